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
        try store.checkIntegrity()
        let network = try ControllerNetwork.openOrCreate(configuration: c, store: store, passphrase: passphrase, logger: logger)
        let roster = Roster(nodes: try store.nodes(), activeTimeout: c.activeTimeout, domain: c.domain)
        roster.setTrust(network.ca.bundle)
        let recovery = RegistryRecovery(until: network.recoveryUntil, store: store, roster: roster, range: network.range, logger: logger)
        let rollover = CARollover(ca: network.ca, store: store, roster: roster, passphrase: passphrase, logger: logger, recovery: recovery) {
            network.serverContext.replace(with: try ControllerNetwork.issueServerContext(ca: network.ca, configuration: c))
        }
        let mesh = MeshService(roster: roster)
        let nonces = NonceStore()
        let enrollment = EnrollmentService(store: store, ca: network.ca, nonces: nonces, network: network.range,
                                           certificateValidity: c.certificateValidity, roster: roster, logger: logger)
        let nodeRenewal = RenewalService(store: store, ca: network.ca, lifetime: c.certificateValidity, roster: roster, logger: logger)
        let tokens = TokenService(store: store, controllers: c.advertise.map(\.description),
                                  ca: network.ca)
        let group = MultiThreadedEventLoopGroup.singleton
        ControllerMetrics.prime()
        let meshStats = MeshStatsExporter()
        let metrics = MetricsExposition(definitions: ControllerMetrics.definitions + MeshStatsExporter.definitions) {
            let counts = roster.counts()
            ControllerMetrics.refresh(registered: counts.registered, active: counts.active, brokenPairs: mesh.downPairCount(),
                                      notReporting: mesh.silentNodes().count)
            meshStats.export { mesh.stats }
        }

        let limiter = EnrollmentLimiter(rate: c.enrollRate, logger: logger)
        var apiRouter = NetworkAPI.router(enrollment: enrollment, renewal: nodeRenewal, nonces: nonces, limiter: limiter, roster: roster,
                                          mesh: mesh, recovery: recovery, logger: logger)
        apiRouter.observer = ControllerMetrics.requestObserver(listener: "api")
        let limits = HTTPServerLimits(connectionsPerSource: c.maxConnectionsPerSource,
                                      requestReadTimeout: .nanoseconds(Int64(c.requestReadTimeout * 1e9)),
                                      connectionsPerSourceSetting: "max-connections-per-source", events: ControllerMetrics.apiServerEvent)
        let api = try await HTTPServer.bind(host: c.listen.host, port: c.listen.port,
                                            adopting: try context.sockets.take(ActivatedSockets.api, unix: false), tls: network.serverContext,
                                            router: apiRouter, group: group, logger: logger, limits: limits)
        var controlRouter = ControlAPI.router(.init(
            configuration: c, range: network.range, ca: network.ca, logger: logger, store: store,
            roster: roster, mesh: mesh, tokens: tokens, startedAt: Date(), metrics: metrics, rollover: rollover,
            recovery: recovery))
        controlRouter.observer = ControllerMetrics.requestObserver(listener: "control")
        let control: HTTPServer
        do {
            control = try await HTTPServer.bind(unixSocket: c.socketPath,
                                                adopting: try context.sockets.take(ActivatedSockets.control, unix: true),
                                                router: controlRouter, group: group, logger: logger)
        } catch {
            await api.shutdown()
            throw error
        }
        let optional: [HTTPServer]
        do {
            optional = try await Self.openOptionalListeners(c, metrics: metrics, status: .init(
                roster: roster, range: network.range, ca: network.ca, mesh: mesh), group: group, logger: logger)
        } catch {
            await api.shutdown()
            await control.shutdown()
            throw error
        }
        logger.notice("controller ready", metadata: [
            "event": "ready", "listen": "\(c.listen.host):\(api.port ?? c.listen.port)", "socket": "\(c.socketPath)",
            "network": "\(network.range)", "ca_sha256": "\(network.ca.certificate.fingerprint)",
            "registered": "\(roster.counts().registered)",
        ])
        running.withLockedValue { $0 = roster }
        context.onReady()

        let serverRenewal = Task { await network.renewServerCertificate(configuration: c, liveness: context.liveness, logger: logger) }
        try? await gracefulShutdown()
        serverRenewal.cancel()

        logger.notice("controller stopping: finishing requests in flight")
        await api.shutdown()
        await control.shutdown()
        for server in optional { await server.shutdown() }
        logger.notice("controller stopped")
    }

    /// The listeners that are off unless configured: metrics scrapes and the status page.
    private static func openOptionalListeners(_ c: ControllerConfiguration, metrics: MetricsExposition, status: StatusPage.Context,
                                              group: any EventLoopGroup, logger: Logger) async throws -> [HTTPServer] {
        var opened: [HTTPServer] = []
        do {
            if let address = c.metricsListen {
                opened.append(try await MetricsEndpoint.listen(on: address, metrics, group: group, logger: logger))
            }
            if let address = c.statusListen {
                opened.append(try await StatusPage.listen(on: address, status, group: group, logger: logger))
            }
            return opened
        } catch {
            for server in opened { await server.shutdown() }
            throw error
        }
    }
}
