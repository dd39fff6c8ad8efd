import Foundation
import NIOConcurrencyHelpers
import NIOCore
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Who is registered (mirrored from the store) and who is active (by
/// heartbeat, in memory only: after a restart it is rebuilt within one poll
/// interval). The version changes whenever the active set or an endpoint
/// changes, so a poll that brings nothing new is answered in a few bytes.
public final class Roster: Sendable {
    struct Registered: Sendable {
        var overlayIP: String
        var fingerprint: String
        var registeredAt: Date
        var previousFingerprint: String?

        init(_ node: NodeRecord) {
            overlayIP = node.overlayIP; fingerprint = node.fingerprint; registeredAt = node.registeredAt
            previousFingerprint = node.previousFingerprint
        }
    }

    struct Member: Sendable {
        var endpoint: String
        var dataPort: Int?
        var lastSeen: Date
        var deadline: NIODeadline
        /// The seconds between polls the node declares: how long a silence means it stopped reporting
        /// (none from older nodes and hand-made clients: they are never called silent).
        var pollInterval: TimeInterval? = nil
    }

    struct State {
        var registered: [String: Registered] = [:]
        var active: [String: Member] = [:]
        /// No active member's deadline is earlier (a lower bound, lowered on each heartbeat):
        /// until then nothing can expire and `expire` returns at once.
        var nextExpiry: NIODeadline = .distantFuture
        var counter: UInt64 = 0
        /// Last heartbeat per node, kept after it goes inactive for display.
        var seen: [String: Date] = [:]
        var cachedBody: (version: String, body: [UInt8])?
        /// The network's CAs, sent with every full roster.
        var trust: TrustBundle?
    }

    private let state = NIOLockedValueBox(State())
    /// Random per process, so a version from before a restart never matches one after it.
    private let epoch = Digest.hex(Digest.randomBytes(4))
    private let timeout: NIOLockedValueBox<TimeInterval>
    /// How long a silent node stays active; a SIGHUP reload may change it (applies from each node's next heartbeat).
    public var activeTimeout: TimeInterval {
        get { timeout.withLockedValue { $0 } }
        set { timeout.withLockedValue { $0 = newValue } }
    }
    /// After a restart the active set is rebuilt from heartbeats; until every
    /// live node has had `activeTimeout` to report, a node holding a roster
    /// from before the restart keeps it rather than getting a partial one.
    private let warmUntil: NIODeadline
    /// Sent with every full roster: each node's resolver answers for names under it.
    public let domain: String

    public init(nodes: [NodeRecord], activeTimeout: TimeInterval, domain: String = NetworkDomain.defaultDomain) {
        self.timeout = NIOLockedValueBox(activeTimeout)
        self.domain = domain
        self.warmUntil = nodes.isEmpty ? .now() : .now() + .nanoseconds(Int64(activeTimeout * 1e9))
        state.withLockedValue { s in
            for n in nodes { s.registered[n.name] = Registered(n) }
        }
    }

    func registered(_ node: NodeRecord) {
        state.withLockedValue { $0.registered[node.name] = Registered(node) }
    }

    /// A renewed certificate: peers learn the new fingerprint with the next roster, and the old one is refused from now on.
    func renewed(_ node: NodeRecord) {
        state.withLockedValue { s in
            s.registered[node.name] = Registered(node)
            if s.active[node.name] != nil { s.counter += 1 }
        }
    }

    /// Who may renew: the current certificate, or the one a renewal just replaced
    /// (the store only lets that one repeat the renewal it already made).
    func authorizeRenewal(_ peer: PeerIdentity) -> String? {
        state.withLockedValue { s in
            guard let r = s.registered[peer.name] else { return "certificate for \(peer.name) is not registered with this controller (removed?)" }
            guard r.fingerprint == peer.fingerprint || r.previousFingerprint == peer.fingerprint else {
                return "certificate for \(peer.name) is not the one registered (re-enrolled or removed)"
            }
            return nil
        }
    }

    /// The CAs changed (`ca rotate`, `ca retire`): every node gets a full roster with them at its next poll.
    func setTrust(_ bundle: TrustBundle) {
        state.withLockedValue { s in
            guard s.trust != bundle else { return }
            // The first set (at start) is no change to the roster anyone holds.
            if s.trust != nil { s.counter += 1 }
            s.trust = bundle
        }
    }

    func removed(_ name: String) {
        state.withLockedValue { s in
            s.registered.removeValue(forKey: name)
            s.seen.removeValue(forKey: name)
            if s.active.removeValue(forKey: name) != nil { s.counter += 1 }
        }
    }

    func isRegistered(_ name: String) -> Bool { state.withLockedValue { $0.registered[name] != nil } }

    /// Nil when `peer` is a registered node's current certificate, else why not.
    func authorize(_ peer: PeerIdentity) -> String? {
        state.withLockedValue { s in
            guard let r = s.registered[peer.name] else { return "certificate for \(peer.name) is not registered with this controller (removed?)" }
            guard r.fingerprint == peer.fingerprint else { return "certificate for \(peer.name) is not the one registered (re-enrolled or removed)" }
            return nil
        }
    }

    /// Records a heartbeat; returns the current version after it.
    @discardableResult
    func heartbeat(name: String, endpoint: String, dataPort: Int? = nil, pollInterval: TimeInterval? = nil, now: Date = Date()) -> String {
        state.withLockedValue { s in
            let deadline = NIODeadline.now() + .nanoseconds(Int64(activeTimeout * 1e9))
            expire(&s)
            s.seen[name] = now
            let previous = s.active.updateValue(Member(endpoint: endpoint, dataPort: dataPort, lastSeen: now, deadline: deadline,
                                                       pollInterval: pollInterval),
                                                    forKey: name)
            s.nextExpiry = min(s.nextExpiry, deadline)
            // Joining or moving changes the roster; a plain heartbeat does not.
            if previous?.endpoint != endpoint || previous?.dataPort != dataPort { s.counter += 1 }
            return version(s)
        }
    }

    /// A clean stop: inactive at once. Returns false when it was not active.
    func leave(name: String) -> Bool {
        state.withLockedValue { s in
            guard s.active.removeValue(forKey: name) != nil else { return false }
            s.seen[name] = Date()
            s.counter += 1
            return true
        }
    }

    /// The full roster body for the current version, encoded once per version.
    func currentRoster() -> (version: String, body: [UInt8]) {
        state.withLockedValue { s in
            expire(&s)
            let v = version(s)
            if let cached = s.cachedBody, cached.version == v { return cached }
            let entries = s.active.compactMap { name, m -> RosterEntry? in
                guard let r = s.registered[name] else { return nil }
                return RosterEntry(name: name, overlayIP: r.overlayIP, endpoint: m.endpoint, fingerprint: r.fingerprint,
                                   dataPort: m.dataPort, previousFingerprint: r.previousFingerprint)
            }.sorted { $0.name < $1.name }
            var body = OverlayJSON.encode(RosterResponse(version: v, unchanged: false, nodes: entries, domain: domain, trust: s.trust))
            body.append(0x0a)
            s.cachedBody = (v, body)
            return (v, body)
        }
    }

    /// True when `version` predates this controller process and the active set is still being rebuilt.
    func shouldKeepPreRestartRoster(_ version: String?) -> Bool {
        guard let version, !version.hasPrefix(epoch + "-") else { return false }
        return NIODeadline.now() < warmUntil
    }

    public func currentVersion() -> String {
        state.withLockedValue { s in expire(&s); return version(s) }
    }

    /// Every registered node with its activity, for the control socket.
    func listing() -> [RegisteredNode] {
        state.withLockedValue { s in
            expire(&s)
            return s.registered.map { name, r in
                let m = s.active[name]
                return RegisteredNode(name: name, overlayIP: r.overlayIP, endpoint: m?.endpoint, active: m != nil,
                                      lastSeen: m?.lastSeen ?? s.seen[name], fingerprint: r.fingerprint, registeredAt: r.registeredAt)
            }.sorted { (IPv4Address($0.overlayIP)?.value ?? 0, $0.name) < (IPv4Address($1.overlayIP)?.value ?? 0, $1.name) }
        }
    }

    /// When each active node last polled and the interval it declared (for the mesh view's "not reporting").
    func pollTiming() -> [String: (lastSeen: Date, gap: TimeInterval?)] {
        state.withLockedValue { s in
            expire(&s)
            return s.active.mapValues { ($0.lastSeen, $0.pollInterval) }
        }
    }

    /// Names of the active nodes, unordered (for the mesh matrix).
    func activeNames() -> [String] {
        state.withLockedValue { s in expire(&s); return Array(s.active.keys) }
    }

    func counts() -> (registered: Int, active: Int) {
        state.withLockedValue { s in expire(&s); return (s.registered.count, s.active.count) }
    }

    private func expire(_ s: inout State) {
        let now = NIODeadline.now()
        guard now >= s.nextExpiry else { return }
        let before = s.active.count
        s.active = s.active.filter { $0.value.deadline > now }
        s.nextExpiry = s.active.values.lazy.map(\.deadline).min() ?? .distantFuture
        if s.active.count != before { s.counter += 1 }
    }

    private func version(_ s: State) -> String { "\(epoch)-\(s.counter)" }
}
