import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OverlayCore
import OverlayDataPlane
import OverlayDNS
import OverlayHTTP
import OverlayProtocol
import OverlayTLS
import ServiceLifecycle

/// The node as one long-running service: enroll (first start) or load its
/// identity, answer peers, poll the roster, ping peers, serve the control
/// socket. On SIGTERM/SIGINT it leaves the roster, closes peer connections
/// and removes its socket. Under systemd: see NodeDaemon+Systemd.swift.
public final class NodeDaemon: Service {
    let configuration: NodeConfiguration
    let logger: Logger
    /// `onReady` is called once listeners are bound and the identity is loaded (sd_notify READY=1).
    let context: DaemonContext
    /// Intervals a SIGHUP reload may change while running.
    let timers: NodeTimers
    /// The configuration in effect, replaced by a reload.
    let applied: NIOLockedValueBox<NodeConfiguration>
    /// What the STATUS= line reads, once the node runs.
    let running = NIOLockedValueBox<NodeRuntime?>(nil)

    public init(configuration: NodeConfiguration, logger: Logger, context: DaemonContext = DaemonContext()) {
        self.configuration = configuration
        self.logger = logger
        self.context = context
        self.timers = NodeTimers(configuration)
        self.applied = NIOLockedValueBox(configuration)
    }

    public func run() async throws {
        let c = configuration
        let group = MultiThreadedEventLoopGroup.singleton
        let passphrase = try Passphrase.load(file: c.passphraseFile)
        if let d = c.dataPlane { try TunDevice.preflight(name: d.interface) }
        if let d = c.dns { try DNSServer.preflight(port: d.port) }
        let identity = try await loadOrEnroll(passphrase: passphrase, group: group)

        let contexts = try NodeTLSContexts(identity)

        let roster = RosterCache()
        let book = PeerHealthBook(forgetAfter: max(3600, c.pingInterval * 10))
        let dataKeys = DataKeysBox()
        let refresher = RosterRefresher()
        let listener = try await PeerListener.bind(host: c.listen.host, port: c.listen.port,
                                                   adopting: try context.sockets.take(ActivatedSockets.peer, unix: false),
                                                   context: contexts.server, roster: roster, dataKeys: dataKeys, refresher: refresher,
                                                   limits: PeerListenerLimits(handshakeRate: c.peerHandshakeRate,
                                                                              connectionsPerSource: c.maxPeerConnectionsPerSource),
                                                   group: group, logger: logger)
        let dataPlane: DataPlane?
        do {
            dataPlane = try startDataPlane(identity: identity, listenPort: listener.port)
        } catch {
            await listener.close()
            throw error
        }
        let names: NameService?
        do {
            names = try await NameServiceStart.start(settings: c.dns, identity: identity, tun: dataPlane?.configuration.interface,
                                                     roster: roster, group: group, logger: logger)
        } catch {
            await listener.close()
            dataPlane?.stop()
            throw error
        }
        let dataSync = dataPlane.map { DataPlaneSync(plane: $0, roster: roster, selfName: identity.name) }
        dataKeys.sink = dataPlane.map { plane in DataKeysSink(plane: plane, localName: identity.name, syncPeers: { dataSync?.syncNow() }) }
        let controllers = try c.controller.map { [$0] } ?? identity.controllers.map { try HostPort(parsing: $0) }
        let client = ControllerClient(addresses: controllers, context: contexts.client, group: group)
        let scheduler = PingScheduler(name: identity.name, roster: roster, book: book, context: contexts.client, group: group,
                                      timers: timers, mode: c.peerConnections, liveness: context.liveness, dataKeys: dataKeys.sink,
                                      refresher: refresher, logger: logger)
        let renewer = CertificateRenewer(identity: identity, client: client, contexts: contexts, stateDirectory: c.stateDirectory,
                                         passphrase: passphrase, logger: logger, onRenewed: { Task { await scheduler.afterRenewal() } })
        let reporter = HealthReporter(book: book, timers: timers)
        var rosterPoller = RosterPoller(client: client, cache: roster, timers: timers, advertise: c.advertise?.description,
                                  listenPort: listener.port, logger: logger, reporter: reporter, liveness: context.liveness) { change in
            if !change.left.isEmpty { _ = book.sync(with: Array(roster.snapshot.entries.values), selfName: identity.name) }
            // A peer that joined or moved is PINGed now, not at the next round: `overlayctl peers` shows it up within a poll.
            scheduler.pingSoon(change.joined + change.changed)
        }
        rosterPoller.dataPort = dataPlane?.listenPort
        rosterPoller.onTrust = { renewer.adopt($0) }
        let poller = rosterPoller
        await refresher.install { await poller.fetchRoster() }
        let dataMetrics = dataPlane.map { _ in DataPlaneMetrics() }
        let dnsMetrics = names.map { _ in DNSMetrics() }
        let certificateMetrics = CertificateMetrics()
        let metrics = MetricsExposition(definitions: NodeMetrics.definitions + CertificateMetrics.definitions + PeerListenerMetrics.definitions
                                        + (dataPlane == nil ? [] : DataPlaneMetrics.definitions)
                                        + (names == nil ? [] : DNSMetrics.definitions)) {
            [metrics = scheduler.metrics] in
            metrics.refresh(roster: roster.snapshot, peers: book.statuses())
            certificateMetrics.refresh(renewer.status)
            if let dataPlane, let dataMetrics { dataMetrics.refresh(dataPlane.status()) }
            if let names, let dnsMetrics { dnsMetrics.refresh(names) }
        }
        let control: HTTPServer
        do {
            control = try await HTTPServer.bind(unixSocket: c.socketPath,
                                                adopting: try context.sockets.take(ActivatedSockets.control, unix: true), router: NodeControlAPI.router(.init(
                identity: identity, listen: HostPort(host: c.listen.host, port: listener.port).description,
                controller: client.description, roster: roster, book: book, scheduler: scheduler, listener: listener, client: client, reporter: reporter,
                startedAt: Date(), metrics: metrics, dataPlane: dataPlane, names: names, dnsSearch: c.dns?.search ?? false,
                renewer: renewer)),
                group: group, logger: logger)
        } catch {
            await listener.close()
            await names?.stop()
            dataPlane?.stop()
            throw error
        }
        var metricsListener: HTTPServer?
        if let address = c.metricsListen {
            do {
                metricsListener = try await MetricsEndpoint.listen(on: address, metrics, group: group, logger: logger)
            } catch {
                await control.shutdown()
                await listener.close()
                dataPlane?.stop()
                throw error
            }
        }
        logger.notice("node ready", metadata: [
            "event": "ready", "node": "\(identity.name)", "ip": "\(identity.overlayIP)", "listen": "\(c.listen.host):\(listener.port)",
            "controller": "\(client.description)", "socket": "\(c.socketPath)",
        ])
        running.withLockedValue { $0 = NodeRuntime(identity: identity, roster: roster, book: book) }
        context.onReady()

        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await poller.run() }
            tasks.addTask { await scheduler.run() }
            tasks.addTask { await scheduler.runOutOfTurn() }
            tasks.addTask { await renewer.run() }
            if let dataSync {
                tasks.addTask { await dataSync.run() }
            }
            if let names {
                tasks.addTask { await names.run() }
            }
            try? await gracefulShutdown()
            tasks.cancelAll()
        }

        logger.notice("node stopping: leaving the roster")
        await poller.leave()
        await client.close()
        await scheduler.closeConnections()
        await listener.close()
        await names?.stop()
        dataPlane?.stop()
        await control.shutdown()
        await metricsListener?.shutdown()
        logger.notice("node stopped")
    }

    /// The TUN and the UDP sockets, before READY: a node that was asked for a data plane and cannot have one stops here.
    private func startDataPlane(identity: NodeIdentity, listenPort: Int) throws -> DataPlane? {
        guard let d = configuration.dataPlane else {
            logger.notice("data plane off (--no-tun): this node carries no overlay traffic", metadata: ["event": "data-plane-off"])
            return nil
        }
        guard let network = try? IPv4Network(parsing: identity.network), let address = IPv4Address(identity.overlayIP) else {
            throw NodeError.damagedState("the stored network '\(identity.network)' or overlay IP '\(identity.overlayIP)' is not usable")
        }
        let listen = d.listen ?? HostPort(host: configuration.listen.host, port: listenPort)
        let plane = try DataPlane(DataPlaneConfiguration(
            interface: d.interface, queues: d.queues, mtu: d.mtu, overlayIP: address, network: network,
            listenHost: listen.host, listenPort: listen.port, rekeyAfter: d.rekeyInterval, rejectAfter: d.rekeyInterval * 1.5),
            logger: logger)
        logger.notice("data plane up", metadata: [
            "event": "data-plane-up", "tun": "\(d.interface)", "ip": "\(address)/\(network.prefix)", "mtu": "\(d.mtu)",
            "queues": "\(plane.tun.queueCount)", "data_listen": "\(listen.host):\(plane.listenPort)",
            "cipher": "\(plane.configuration.cipher.rawValue)"])
        return plane
    }

    private func loadOrEnroll(passphrase: [UInt8], group: any EventLoopGroup) async throws -> NodeIdentity {
        let c = configuration
        do {
            try FileManager.default.createDirectory(atPath: c.stateDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw NodeError.cannotCreateStateDirectory(c.stateDirectory, error.localizedDescription)
        }
        if NodeIdentity.exists(in: c.stateDirectory) {
            let identity = try NodeIdentity.load(from: c.stateDirectory, passphrase: passphrase)
            guard identity.name == c.name else {
                throw NodeError.nameMismatch(stored: identity.name, requested: c.name, dir: c.stateDirectory)
            }
            if c.joinToken != nil {
                logger.info("already enrolled; ignoring the join token", metadata: ["node": "\(identity.name)"])
            }
            return identity
        }
        guard let tokenText = c.joinToken else { throw NodeError.needsToken(dir: c.stateDirectory) }
        let token = try JoinToken(parsing: tokenText)
        logger.notice("enrolling", metadata: ["event": "enrolling", "node": "\(c.name)", "controller": "\(token.controllers.joined(separator: ","))"])
        // The key is saved before enrolling, so a retry after a lost answer presents the same key.
        let keyPath = NodeIdentity.paths(c.stateDirectory).key
        let key: PrivateKey
        if FileManager.default.fileExists(atPath: keyPath) {
            key = try PrivateKey.load(file: keyPath, passphrase: passphrase)
        } else {
            key = try PrivateKey.generate()
            try key.write(file: keyPath, passphrase: passphrase)
        }
        let identity = try await Enroller(name: c.name, token: token, requestedIP: c.requestIP, group: group, logger: logger)
            .enroll(key: key)
        try identity.save(to: c.stateDirectory, passphrase: passphrase)
        logger.notice("enrolled", metadata: ["event": "enrolled", "node": "\(identity.name)", "ip": "\(identity.overlayIP)",
                                             "cert_sha256": "\(identity.certificate.fingerprint.prefix(16))"])
        return identity
    }
}
