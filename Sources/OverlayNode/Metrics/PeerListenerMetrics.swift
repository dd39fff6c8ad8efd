import CoreMetrics
import OverlayCore

/// Connections the peer listener refused, by why: before the TLS handshake (limits), in it, or after it (roster).
/// docs/metrics.md describes the family.
enum PeerListenerMetrics {
    static let refused = "overlayd_node_peer_connections_refused_total"

    enum Reason: String, CaseIterable, Sendable {
        /// The source address was over `peer-handshake-rate`.
        case handshakeRate = "handshake_rate"
        /// The source address already had `max-peer-connections-per-source` open.
        case sourceLimit = "source_limit"
        /// The listener already had all its connections open.
        case listenerLimit = "listener_limit"
        /// The TLS handshake failed: a certificate refused or missing, an old protocol, garbage.
        case handshakeFailed = "handshake_failed"
        /// The certificate verified, but the peer is not on this node's active roster with it (removed, replaced, unknown).
        case notOnRoster = "not_on_roster"

        init(_ refusal: ConnectionRegistry.Refusal) {
            switch refusal {
            case .sourceLimit: self = .sourceLimit
            case .listenerLimit: self = .listenerLimit
            }
        }
    }

    static let definitions: [MetricDefinition] = [
        .init(refused, .counter, labels: ["reason"],
              help: "Peer connections refused: handshake_rate (peer-handshake-rate), source_limit (max-peer-connections-per-source), listener_limit (all slots taken), handshake_failed (TLS), not_on_roster (verified, but not an active peer)."),
    ]

    /// Every series at zero, so a rate() has a baseline.
    static func prime() {
        _ = MetricsBootstrap.registry
        for reason in Reason.allCases { Counter(label: refused, dimensions: [("reason", reason.rawValue)]).increment(by: 0) }
    }

    static func count(_ reason: Reason) {
        Counter(label: refused, dimensions: [("reason", reason.rawValue)]).increment()
    }
}
