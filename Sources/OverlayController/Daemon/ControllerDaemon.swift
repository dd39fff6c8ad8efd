import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OverlayCore
import OverlayHTTP
import OverlayTLS
import ServiceLifecycle

/// The controller as one long-running service: opens the network, serves the
/// TLS API and the control socket, and on graceful shutdown (SIGTERM/SIGINT
/// via the ServiceGroup) stops accepting, finishes requests in flight, and
/// removes its socket. Under systemd: see ControllerDaemon+Systemd.swift.
public final class ControllerDaemon: Service {
    let configuration: ControllerConfiguration
    let logger: Logger
    /// `onReady` is called once both listeners are bound (sd_notify READY=1).
    let context: DaemonContext
    /// The configuration in effect, replaced by a reload.
    let applied: NIOLockedValueBox<ControllerConfiguration>
    /// The roster, once serving: what the STATUS= line reads and a reload adjusts.
    let running = NIOLockedValueBox<Roster?>(nil)

    public init(configuration: ControllerConfiguration, logger: Logger, context: DaemonContext = DaemonContext()) {
        self.configuration = configuration
        self.logger = logger
        self.context = context
        self.applied = NIOLockedValueBox(configuration)
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
        let nonces = NonceStore()
        let enrollment = EnrollmentService(store: store, ca: network.ca, nonces: nonces, network: network.range,
                                           certificateValidity: c.certificateValidity, roster: roster, logger: logger)
        let tokens = TokenService(store: store, controllers: c.advertise.map(\.description),
                                  caFingerprint: network.ca.certificate.fingerprint)
        let group = MultiThreadedEventLoopGroup.singleton

        let api = try await HTTPServer.bind(host: c.listen.host, port: c.listen.port,
                                            adopting: try context.sockets.take(ActivatedSockets.api, unix: false), tls: network.serverContext,
                                            router: NetworkAPI.router(enrollment: enrollment, nonces: nonces, roster: roster, logger: logger),
                                            group: group, logger: logger)
        let control: HTTPServer
        do {
            control = try await HTTPServer.bind(unixSocket: c.socketPath,
                                                adopting: try context.sockets.take(ActivatedSockets.control, unix: true), router: ControlAPI.router(.init(
                configuration: c, range: network.range, ca: network.ca.certificate, logger: logger, store: store,
                roster: roster, tokens: tokens, startedAt: Date())), group: group, logger: logger)
        } catch {
            await api.shutdown()
            throw error
        }
        logger.notice("controller ready", metadata: [
            "event": "ready", "listen": "\(c.listen.host):\(api.port ?? c.listen.port)", "socket": "\(c.socketPath)",
            "network": "\(network.range)", "ca_sha256": "\(network.ca.certificate.fingerprint)",
            "registered": "\(roster.counts().registered)",
        ])
        running.withLockedValue { $0 = roster }
        context.onReady()

        let renewal = Task { await network.renewServerCertificate(configuration: c, logger: logger) }
        try? await gracefulShutdown()
        renewal.cancel()

        logger.notice("controller stopping: finishing requests in flight")
        await api.shutdown()
        await control.shutdown()
        logger.notice("controller stopped")
    }
}
