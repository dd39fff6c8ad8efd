import Foundation
import CTun
import Logging
import OverlayTLS
import Synchronization

/// Flow 4: the node's TUN interface and its encrypted UDP link to every active
/// peer. The control plane (roster polls, TLS handshakes) tells it who the
/// peers are and hands it each session's exported keys; worker threads move
/// packets and read only immutable tables published here.
public final class DataPlane: Sendable {
    public let configuration: DataPlaneConfiguration
    public let tun: TunDevice
    public let counters = DataPlaneCounters()
    let sockets: UDPSockets
    let context: WorkerContext
    private let logger: Logger
    private let state = Mutex(ControlState())
    private let finished: DispatchGroup
    private let keyChanges = AtomicCounter()

    struct PeerState {
        var peer: DataPeer
        /// Where packets go: the roster's address until an authenticated packet came from elsewhere.
        var endpoint: DataEndpoint?
        /// The roster's own address, so a new roster version moves the peer only when this changed.
        var rosterEndpoint: DataEndpoint?
        var keys = PeerKeyRing()
    }
    struct ControlState { var peers: [String: PeerState] = [:] }

    public var listenPort: Int { sockets.port }

    public init(_ configuration: DataPlaneConfiguration, logger: Logger) throws(DataPlaneError) {
        let address = configuration.overlayIP.value
        let prefix = configuration.network.prefix
        guard let listen = DataEndpoint(host: configuration.listenHost, port: configuration.listenPort) else {
            throw .invalidAddress("\(configuration.listenHost):\(configuration.listenPort)")
        }
        let queues = max(1, configuration.queues)
        tun = try TunDevice(name: configuration.interface, queues: queues, address: address, prefix: prefix,
                            mtu: configuration.mtu)
        do {
            sockets = try UDPSockets(bind: listen, count: queues)
        } catch {
            tun.close()
            throw error
        }
        self.configuration = configuration
        self.logger = logger
        finished = DispatchGroup()
        let plane = Weak()
        context = WorkerContext(localIP: address, prefix: prefix, mtu: configuration.mtu,
                                segmentation: sockets.segmentation, counters: counters) { peer, source in
            plane.value?.roamed(peer, to: source)
        }
        plane.value = self
        start(queues: queues)
    }

    private func start(queues: Int) {
        for i in 0..<queues {
            let send = SendWorker(index: i, tunFD: tun.queues[i], udpFD: sockets.fds[i], context: context)
            let receive = ReceiveWorker(index: i, tunFD: tun.queues[i], udpFD: sockets.fds[i], context: context)
            let bodies: [(String, @Sendable () -> Void)] = [("ovl-send-\(i)", { send.run() }), ("ovl-recv-\(i)", { receive.run() })]
            for (name, body) in bodies {
                finished.enter()
                let thread = Thread { [finished] in
                    // Linux thread names are at most 15 bytes: "ovl-send-0", "ovl-recv-0" show in top -H and perf.
                    _ = ctun_set_thread_name(name)
                    body()
                    finished.leave()
                }
                thread.start()
            }
        }
    }

    /// Stops the workers, then closes the sockets and the TUN (the interface disappears).
    public func stop() {
        context.stop()
        // Workers notice within one poll timeout (200 ms) or one bounded send retry; closing the fds
        // under a worker could let it touch a number the process reuses, so wait for them.
        if finished.wait(timeout: .now() + 5) == .timedOut {
            logger.warning("data-plane workers did not stop within 5 s; waiting", metadata: ["event": "data-plane-stop-slow"])
            finished.wait()
        }
        sockets.close()
        tun.close()
        state.withLock { $0.peers.removeAll() }
    }

    /// The address family of the data sockets: peers' host names resolve to this family.
    public var addressFamily: Int32 { sockets.family }

    // MARK: peers

    /// The active roster's peers. Peers that left or whose certificate changed lose every key at once.
    public func updatePeers(_ specs: [DataPeerSpec]) {
        let changes: [String] = state.withLock { s in
            var log: [String] = []
            var next: [String: PeerState] = [:]
            for spec in specs {
                let ip = spec.overlayIP.value
                if var held = s.peers[spec.name], held.peer.fingerprint == spec.fingerprint, held.peer.overlayIP == ip {
                    // A roamed peer keeps its learned address until the roster itself says something new.
                    if spec.endpoint != held.rosterEndpoint {
                        held.rosterEndpoint = spec.endpoint
                        held.endpoint = spec.endpoint
                    }
                    next[spec.name] = held
                } else {
                    if s.peers[spec.name] != nil { log.append(spec.name) }
                    next[spec.name] = PeerState(peer: DataPeer(name: spec.name, overlayIP: ip, fingerprint: spec.fingerprint),
                                                endpoint: spec.endpoint, rosterEndpoint: spec.endpoint)
                }
            }
            log += s.peers.keys.filter { next[$0] == nil }
            s.peers = next
            return log
        }
        for name in changes {
            logger.notice("data keys dropped: \(name) left the roster or changed its certificate",
                          metadata: ["event": "data-keys-dropped", "peer": "\(name)"])
        }
        publish()
    }

    /// An authenticated packet came from `source`: replies go there from now on (a roaming peer).
    func roamed(_ peer: DataPeer, to source: DataEndpoint) {
        let moved: DataEndpoint?? = state.withLock { s in
            guard var held = s.peers[peer.name], held.peer === peer, held.endpoint != source else { return nil }
            let old = held.endpoint
            held.endpoint = source
            s.peers[peer.name] = held
            return .some(old)
        }
        guard let old = moved else { return }
        logger.notice("peer \(peer.name) now sends from \(source); replies go there", metadata: [
            "event": "peer-roamed", "peer": "\(peer.name)", "from": "\(old.map(\.description) ?? "-")", "to": "\(source)"])
        publish()
    }

    // MARK: keys

    /// Whether `name` is one of the data plane's peers with this certificate.
    public func knows(peer name: String, fingerprint: String) -> Bool {
        state.withLock { $0.peers[name]?.peer.fingerprint == fingerprint }
    }

    /// Installs a session's keys for `peer`. The receive key works at once; the send key
    /// once confirmed (at once for the answering side: the dialer already holds the keys).
    /// Nil when the peer is not on the roster with that certificate.
    public func install(peer name: String, fingerprint: String, keys: SessionKeyMaterial, confirmed: Bool) -> DataSession? {
        let c = configuration
        let now = MonotonicClock.now()
        let rejectAt = now + UInt64(c.rejectAfter * 1e9)
        let workers = max(1, c.queues)
        let send: TxKey, receive: RxKey
        do {
            send = TxKey(keyID: keys.send.keyID, contexts: try (0..<workers).map { _ in
                try PacketAEAD(cipher: c.cipher, key: keys.send.key, iv: keys.send.iv, encrypting: true)
            }, createdAt: now, rejectAt: rejectAt)
            let receiveContexts = try (0..<workers).map { _ in
                try PacketAEAD(cipher: c.cipher, key: keys.receive.key, iv: keys.receive.iv, encrypting: false)
            }
            let installed: RxKey? = state.withLock { s in
                guard var held = s.peers[name], held.peer.fingerprint == fingerprint else { return nil }
                // Key ids come from the exporter: a clash (about 2^-32 per pair of live keys) skips this session.
                guard !s.peers.values.contains(where: { $0.keys.holdsReceive(keys.receive.keyID) }) else { return nil }
                let key = RxKey(keyID: keys.receive.keyID, peer: held.peer, contexts: receiveContexts, createdAt: now, rejectAt: rejectAt)
                held.keys.install(send: send, confirmed: confirmed, receive: key)
                s.peers[name] = held
                return key
            }
            guard let installed else {
                logger.warning("data keys for \(name) not installed: not an active peer with that certificate, or a key id clash; the next session retries",
                               metadata: ["event": "data-keys-failed", "peer": "\(name)"])
                return nil
            }
            receive = installed
        } catch {
            logger.error("cannot set up data keys for \(name): \(error)", metadata: ["event": "data-keys-failed", "peer": "\(name)"])
            return nil
        }
        keyChanges.add(1)
        publish()
        logger.info("data keys installed for \(name)", metadata: [
            "event": "data-keys", "peer": "\(name)", "rx_key": "\(String(receive.keyID, radix: 16))",
            "tx_key": "\(String(send.keyID, radix: 16))", "tx": "\(confirmed ? "now" : "after-pong")"])
        return DataSession(peer: name, sendKeyID: send.keyID)
    }

    /// A session whose keys could not be exported: traffic goes on under older keys until the next session.
    public func exportFailed(peer name: String) {
        logger.error("cannot export data keys from the TLS session with \(name); packets use older keys until the next session",
                     metadata: ["event": "data-keys-failed", "peer": "\(name)"])
    }

    /// The dialer's send key becomes usable once the answering side has shown it holds the session (its first PONG).
    public func confirm(_ session: DataSession) {
        let changed = state.withLock { s -> Bool in
            guard var held = s.peers[session.peer], held.keys.confirm(session.sendKeyID) else { return false }
            s.peers[session.peer] = held
            return true
        }
        if changed { publish() }
    }

    /// Forgets keys past their lifetime; called every second or so.
    public func expireKeys() {
        let now = MonotonicClock.now()
        let expired = state.withLock { s -> Bool in
            var any = false
            for (name, var held) in s.peers where held.keys.expire(now: now) {
                any = true
                s.peers[name] = held
            }
            return any
        }
        if expired { publish() }
    }

    /// Rebuilds both tables from the control state and publishes them, under the state lock: a build
    /// made before a change can never be stored after the build that includes it.
    private func publish() {
        let now = MonotonicClock.now()
        state.withLock { s in
            var routes: [UInt32: TxRoute] = [:]
            var keys: [UInt32: RxKey] = [:]
            for held in s.peers.values {
                routes[held.peer.overlayIP] = TxRoute(peer: held.peer, key: held.keys.currentSend(now: now), endpoint: held.endpoint)
                for key in held.keys.liveReceive(now: now) { keys[key.keyID] = key }
            }
            context.tx.publish(TxTable(routes))
            context.rx.publish(RxTable(keys))
        }
    }

    // MARK: status

    public func status() -> DataPlaneStatus {
        let now = MonotonicClock.now()
        func ago(_ stamp: UInt64) -> Double? { stamp == 0 ? nil : Double(now &- stamp) / 1e9 }
        let peers = state.withLock { s in
            s.peers.values.sorted { $0.peer.name < $1.peer.name }.map { held in
                let p = held.peer
                let send = held.keys.currentSend(now: now)
                return DataPlaneStatus.Peer(
                    name: p.name, endpoint: held.endpoint?.description,
                    txPackets: p.txPackets.load, txBytes: p.txBytes.load, rxPackets: p.rxPackets.load, rxBytes: p.rxBytes.load,
                    lastTxAgo: ago(p.lastTx.load), lastRxAgo: ago(p.lastRx.load),
                    sendKeyAge: send.map { Double(now &- $0.createdAt) / 1e9 },
                    receiveKeys: held.keys.liveReceive(now: now).count)
            }
        }
        return DataPlaneStatus(interface: tun.name, mtu: tun.mtu, queues: tun.queues.count, listenPort: sockets.port,
                               cipher: configuration.cipher.rawValue, peers: peers,
                               drops: counters.allDrops.map { ($0.reason.label, $0.count) }, keyChanges: keyChanges.load)
    }
}

/// Lets the workers' roaming callback reach the plane without a retain cycle.
private final class Weak: @unchecked Sendable {  // set once during init, before any worker runs
    weak var value: DataPlane?
}
