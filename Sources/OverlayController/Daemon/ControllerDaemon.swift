import Foundation
import Logging
import NIOCore
import NIOPosix
import OverlayCore
import OverlayHTTP
import OverlayTLS
import ServiceLifecycle

/// The controller as one long-running service: opens the network, serves the
/// TLS API and the control socket, and on graceful shutdown (SIGTERM/SIGINT
/// via the ServiceGroup) stops accepting, finishes requests in flight, and
/// removes its socket.
public final class ControllerDaemon: Service {
    let configuration: ControllerConfiguration
    let logger: Logger
    /// Called once both listeners are bound: the place for sd_notify READY=1.
    let onReady: @Sendable () -> Void

    public init(configuration: ControllerConfiguration, logger: Logger, onReady: @escaping @Sendable () -> Void = {}) {
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let c = configuration
        let passphrase = try Passphrase.load(file: c.passphraseFile)
        do {
            try FileManager.default.createDirectory(atPath: c.stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ControllerError.cannotCreateStateDirectory(c.stateDirectory, error.localizedDescription)
        }
        let store = try SQLiteControllerStore(path: c.stateDirectory + "/controller.db")
        let network = try ControllerNetwork.openOrCreate(configuration: c, store: store, passphrase: passphrase, logger: logger)
        let roster = Roster(nodes: try store.nodes(), activeTimeout: c.activeTimeout)
        let mesh = MeshService(roster: roster)
        let nonces = NonceStore()
        let enrollment = EnrollmentService(store: store, ca: network.ca, nonces: nonces, network: network.range,
                                           certificateValidity: c.certificateValidity, roster: roster, logger: logger)
        let tokens = TokenService(store: store, controllers: c.advertise.map(\.description),
                                  caFingerprint: network.ca.certificate.fingerprint)
        let group = MultiThreadedEventLoopGroup.singleton

        let api = try await HTTPServer.bind(host: c.listen.host, port: c.listen.port, tls: network.serverContext,
                                            router: NetworkAPI.router(enrollment: enrollment, nonces: nonces, roster: roster, mesh: mesh, logger: logger),
                                            group: group, logger: logger)
        let control: HTTPServer
        do {
            control = try await HTTPServer.bind(unixSocket: c.socketPath, router: ControlAPI.router(.init(
                configuration: c, range: network.range, ca: network.ca.certificate, logger: logger, store: store,
                roster: roster, mesh: mesh, tokens: tokens, startedAt: Date())), group: group, logger: logger)
        } catch {
            await api.shutdown()
            throw error
        }
        logger.notice("controller ready", metadata: [
            "listen": "\(c.listen.host):\(api.port ?? c.listen.port)", "socket": "\(c.socketPath)",
            "network": "\(network.range)", "ca.sha256": "\(network.ca.certificate.fingerprint)",
            "registered": "\(roster.counts().registered)",
        ])
        onReady()

        let renewal = Task { await network.renewServerCertificate(configuration: c, logger: logger) }
        try? await gracefulShutdown()
        renewal.cancel()

        logger.notice("controller stopping: finishing requests in flight")
        await api.shutdown()
        await control.shutdown()
        logger.notice("controller stopped")
    }
}
