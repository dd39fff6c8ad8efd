import CoreMetrics
import OverlayCore

/// Connections the peer listener closed before their TLS handshake, by why.
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

        init(_ refusal: ConnectionRegistry.Refusal) {
            switch refusal {
            case .sourceLimit: self = .sourceLimit
            case .listenerLimit: self = .listenerLimit
            }
        }
    }

    static let definitions: [MetricDefinition] = [
        .init(refused, .counter, labels: ["reason"],
              help: "Peer connections closed before the TLS handshake: handshake_rate (peer-handshake-rate), source_limit (max-peer-connections-per-source), listener_limit (all slots taken)."),
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
