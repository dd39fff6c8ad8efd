import CoreMetrics
import NIOConcurrencyHelpers
import OverlayCore
import OverlayDataPlane

/// The data plane's counters as Prometheus families. The workers keep plain
/// atomics (no metrics call on the hot path); each scrape turns their growth
/// since the last scrape into counter increments. docs/metrics.md lists them.
final class DataPlaneMetrics: Sendable {
    static let packets = "overlayd_node_data_packets_total"
    static let bytes = "overlayd_node_data_bytes_total"
    static let drops = "overlayd_node_data_drops_total"
    static let keyAge = "overlayd_node_data_key_age_seconds"
    static let keyInstalls = "overlayd_node_data_key_installs_total"
    static let lastPacket = "overlayd_node_data_last_packet_age_seconds"

    static let definitions: [MetricDefinition] = [
        .init(packets, .counter, labels: ["peer", "direction"], help: "Overlay IP packets sent to (tx) and received from (rx) each peer."),
        .init(bytes, .counter, labels: ["peer", "direction"], help: "Bytes of overlay IP packets (inner, before encryption) sent to and received from each peer."),
        .init(drops, .counter, labels: ["reason"],
              help: "Packets dropped, by reason: malformed, unknown-key, auth-failed, replay, spoofed-source, wrong-destination, no-peer, no-key, too-big, unroutable, send-failed."),
        .init(keyAge, .gauge, labels: ["peer"], help: "Age of the key this node seals packets to the peer with."),
        .init(keyInstalls, .counter, help: "Sessions whose data keys were installed (each PING connection made or accepted)."),
        .init(lastPacket, .gauge, labels: ["peer", "direction"], help: "Seconds since the last data packet sent to / received from the peer."),
    ]

    private struct Key: Hashable { var family: String; var labels: [String] }
    private let seen = NIOLockedValueBox<[Key: UInt64]>([:])
    private let peersWithSeries = NIOLockedValueBox<Set<String>>([])

    init() {
        _ = MetricsBootstrap.registry
        for reason in DropReason.allCases { Counter(label: Self.drops, dimensions: [("reason", reason.label)]).increment(by: 0) }
    }

    /// Adds what grew since the last scrape; a counter that went back (a peer that rejoined) counts from zero.
    private func grow(_ family: String, _ dimensions: [(String, String)], to value: UInt64) {
        let key = Key(family: family, labels: dimensions.map(\.1))
        let delta = seen.withLockedValue { seen -> UInt64 in
            let last = seen[key] ?? 0
            seen[key] = value
            return value >= last ? value - last : value
        }
        if delta > 0 { Counter(label: family, dimensions: dimensions).increment(by: Int64(clamping: delta)) }
    }

    func refresh(_ status: DataPlaneStatus) {
        for (reason, count) in status.drops { grow(Self.drops, [("reason", reason)], to: count) }
        grow(Self.keyInstalls, [], to: status.keyChanges)
        for p in status.peers {
            grow(Self.packets, [("peer", p.name), ("direction", "tx")], to: p.txPackets)
            grow(Self.packets, [("peer", p.name), ("direction", "rx")], to: p.rxPackets)
            grow(Self.bytes, [("peer", p.name), ("direction", "tx")], to: p.txBytes)
            grow(Self.bytes, [("peer", p.name), ("direction", "rx")], to: p.rxBytes)
            if let age = p.sendKeyAge {
                Gauge(label: Self.keyAge, dimensions: [("peer", p.name)]).record(age)
            } else {
                Gauge(label: Self.keyAge, dimensions: [("peer", p.name)]).destroy()
            }
            if let ago = p.lastTxAgo { Gauge(label: Self.lastPacket, dimensions: [("peer", p.name), ("direction", "tx")]).record(ago) }
            if let ago = p.lastRxAgo { Gauge(label: Self.lastPacket, dimensions: [("peer", p.name), ("direction", "rx")]).record(ago) }
        }
        let known = Set(status.peers.map(\.name))
        let gone = peersWithSeries.withLockedValue { tracked -> Set<String> in
            let gone = tracked.subtracting(known)
            tracked = known
            return gone
        }
        for peer in gone {
            Gauge(label: Self.keyAge, dimensions: [("peer", peer)]).destroy()
            for direction in ["tx", "rx"] {
                Counter(label: Self.packets, dimensions: [("peer", peer), ("direction", direction)]).destroy()
                Counter(label: Self.bytes, dimensions: [("peer", peer), ("direction", direction)]).destroy()
                Gauge(label: Self.lastPacket, dimensions: [("peer", peer), ("direction", direction)]).destroy()
            }
            seen.withLockedValue { seen in seen = seen.filter { $0.key.family == Self.drops || $0.key.labels.first != peer } }
        }
    }
}
