import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import OverlayCore
import OverlayProtocol

/// What a node counts, through swift-metrics. The RTT histogram has one
/// series per peer: peers are bounded by the roster, and a peer that has
/// left the node's peer list has its series removed at the next scrape.
/// docs/metrics.md describes each family.
final class NodeMetrics: Sendable {
    static let pingsSent = "overlayd_node_pings_sent_total"
    static let pongsReceived = "overlayd_node_pongs_received_total"
    static let pingFailures = "overlayd_node_ping_failures_total"
    static let rtt = "overlayd_node_ping_rtt_seconds"
    static let rosterAge = "overlayd_node_roster_age_seconds"
    static let controllerReachable = "overlayd_node_controller_reachable"
    static let peers = "overlayd_node_peers"

    static let definitions: [MetricDefinition] = [
        .init(pingsSent, .counter, help: "PING exchanges started with peers (each ends in a PONG or a failure)."),
        .init(pongsReceived, .counter, help: "PONGs received from peers."),
        .init(pingFailures, .counter, labels: ["reason"],
              help: "PING exchanges that got no PONG, by reason (timeout, connect_timeout, refused, tls, unreachable, closed, refused_by_peer, protocol, invalid_endpoint)."),
        .init(rtt, .histogram, labels: ["peer"], help: "Round-trip time of PING/PONG exchanges, per peer (peers are bounded by the roster)."),
        .init(rosterAge, .gauge, help: "Seconds since the node last received a roster answer from the controller."),
        .init(controllerReachable, .gauge, help: "1 when the controller answered the last roster request, else 0."),
        .init(peers, .gauge, labels: ["state"], help: "Peers by this node's view of them: up, down, unknown."),
    ]

    /// Peers with an RTT series, so those that leave can have theirs removed.
    private let rttPeers = NIOLockedValueBox<Set<String>>([])
    private let pingsSentCounter: Counter
    private let pongsReceivedCounter: Counter
    /// The values of the `state` label of the peers gauge.
    private static let peerStates: [PeerHealth.State] = [.up, .down, .unknown]

    init() {
        _ = MetricsBootstrap.registry
        pingsSentCounter = Counter(label: Self.pingsSent)
        pongsReceivedCounter = Counter(label: Self.pongsReceived)
        for state in Self.peerStates { Gauge(label: Self.peers, dimensions: [("state", state.rawValue)]).record(0) }
        Gauge(label: Self.controllerReachable).record(0)
    }

    func exchangeStarted() { pingsSentCounter.increment() }

    func pong(peer: String, rttMilliseconds: Double) {
        pongsReceivedCounter.increment()
        rttPeers.withLockedValue { _ = $0.insert(peer) }
        Timer(label: Self.rtt, dimensions: [("peer", peer)]).recordNanoseconds(Int64(rttMilliseconds * 1e6))
    }

    func failed(_ error: PingError) {
        Counter(label: Self.pingFailures, dimensions: [("reason", Self.reason(error))]).increment()
    }

    static func reason(_ error: PingError) -> String {
        switch error {
        case .timeout: return "timeout"
        case .connectTimeout: return "connect_timeout"
        case .refused: return "refused"
        case .handshakeTimeout, .certificateRejected, .rejectedByPeer: return "tls"
        case .unreachable: return "unreachable"
        case .closedBeforePong: return "closed"
        case .refusedByPeer: return "refused_by_peer"
        case .protocolError: return "protocol"
        case .invalidEndpoint: return "invalid_endpoint"
        }
    }

    /// Sets the gauges that describe now and drops RTT series of peers the node no longer knows.
    func refresh(roster: RosterCache.State, peers: [PeerStatus], now: Date = Date()) {
        if let received = roster.receivedAt {
            Gauge(label: Self.rosterAge).record(max(0, now.timeIntervalSince(received)))
        }
        Gauge(label: Self.controllerReachable).record(roster.controllerReachable ? 1 : 0)
        for state in Self.peerStates {
            Gauge(label: Self.peers, dimensions: [("state", state.rawValue)]).record(peers.filter { $0.state == state.rawValue }.count)
        }
        let known = Set(peers.map(\.name))
        let gone = rttPeers.withLockedValue { tracked -> Set<String> in
            let gone = tracked.subtracting(known)
            tracked.subtract(gone)
            return gone
        }
        for peer in gone { Timer(label: Self.rtt, dimensions: [("peer", peer)]).destroy() }
    }
}
