import NIOConcurrencyHelpers
import NIOCore
import OverlayProtocol
import OverlayTLS

/// How the dialer holds its peer connections between PING rounds.
public enum PeerConnectionMode: String, Sendable, CaseIterable {
    /// A fresh mutual-TLS handshake per peer per round; no sockets held between rounds.
    case perRound = "per-round"
    /// One connection per peer, kept open and reused; re-dialed when it breaks
    /// or when the roster entry (endpoint or certificate) changes.
    case persistent
}

/// The persistent mode's connections, keyed by peer name and valid only for
/// the exact roster entry they were verified against.
final class PeerConnectionPool: Sendable {
    private let connections = NIOLockedValueBox<[String: (entry: RosterEntry, connection: PeerConnection)]>([:])

    /// A connection older than this is not reused, so the data plane gets a fresh session's keys; nil: no limit.
    func reusable(for entry: RosterEntry, maxAge: TimeAmount? = nil) -> PeerConnection? {
        connections.withLockedValue { pool in
            guard let held = pool[entry.name], held.entry == entry, held.connection.channel.isActive else { return nil }
            if let maxAge, NIODeadline.now() - held.connection.openedAt >= maxAge { return nil }
            return held.connection
        }
    }

    func keep(_ connection: PeerConnection, for entry: RosterEntry) {
        let replaced = connections.withLockedValue { pool in pool.updateValue((entry, connection), forKey: entry.name) }
        if let old = replaced?.connection, old.channel !== connection.channel { old.channel.close(promise: nil) }
    }

    /// Forgets and closes `connection` if it is still the one held for `name` (not one an exchange
    /// with the peer's new entry has put there since).
    func drop(_ name: String, _ connection: PeerConnection) {
        connections.withLockedValue { pool in
            if let held = pool[name], held.connection.channel === connection.channel { pool.removeValue(forKey: name) }
        }
        connection.channel.close(promise: nil)
    }

    /// Closes connections to peers no longer on the roster.
    func prune(keeping names: Set<String>) {
        let stale = connections.withLockedValue { pool in
            let gone = pool.keys.filter { !names.contains($0) }
            return gone.compactMap { pool.removeValue(forKey: $0)?.connection }
        }
        for c in stale { c.channel.close(promise: nil) }
    }

    func closeAll() async {
        let all = connections.withLockedValue { pool in defer { pool = [:] }; return pool.values.map(\.connection) }
        for c in all { await c.close() }
    }
}
