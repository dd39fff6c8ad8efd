import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol
import OverlayTLS

/// What one roster answer changed, by peer name.
struct RosterChange: Sendable, Equatable {
    var joined: [String] = []
    var left: [String] = []
    /// Still listed, at another endpoint or with another certificate (it moved, renewed or re-enrolled).
    var changed: [String] = []

    var isEmpty: Bool { joined.isEmpty && left.isEmpty && changed.isEmpty }
}

/// The last roster this node received. Kept when the controller is away, so
/// pings go on; read by the listener (who may ping us) and the scheduler
/// (whom we ping).
final class RosterCache: Sendable {
    struct State {
        var version: String?
        var entries: [String: RosterEntry] = [:]
        /// The network's DNS domain, as the last full roster gave it.
        var domain: String?
        var receivedAt: Date?
        var controllerReachable = false
        /// Since when polls have failed; nil while the controller answers.
        var unreachableSince: Date?
        var polls = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Takes a roster answer (`entries` nil: unchanged) and says what it changed.
    func update(version: String, entries: [RosterEntry]?, domain: String? = nil, at now: Date = Date()) -> RosterChange {
        state.withLockedValue { s in
            s.version = version
            s.receivedAt = now
            s.polls += 1
            guard let entries else { return RosterChange() }
            if let domain { s.domain = domain }
            let previous = s.entries
            s.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let old = Set(previous.keys), new = Set(s.entries.keys)
            let moved = new.intersection(old).filter { name in
                let was = previous[name]!, now = s.entries[name]!
                return was.endpoint != now.endpoint || was.fingerprint != now.fingerprint
            }
            return RosterChange(joined: new.subtracting(old).sorted(), left: old.subtracting(new).sorted(), changed: moved.sorted())
        }
    }

    func markReachable(_ reachable: Bool, at now: Date = Date()) -> Bool {
        state.withLockedValue { s in
            defer {
                s.controllerReachable = reachable
                if reachable { s.unreachableSince = nil } else if s.unreachableSince == nil { s.unreachableSince = now }
            }
            return s.controllerReachable != reachable
        }
    }

    var snapshot: State { state.withLockedValue { $0 } }
    var version: String? { state.withLockedValue { $0.version } }

    func entry(named name: String) -> RosterEntry? { state.withLockedValue { $0.entries[name] } }

    /// Nil when `peer` is an active roster member with this exact certificate, else why not.
    func admits(_ peer: PeerIdentity) -> String? {
        state.withLockedValue { s in
            guard let e = s.entries[peer.name] else { return "\(peer.name) is not on this node's active roster" }
            guard e.fingerprint == peer.fingerprint else { return "\(peer.name)'s certificate is not the one on the roster" }
            return nil
        }
    }
}
