import CoreMetrics
import NIOConcurrencyHelpers
import OverlayCore
import OverlayDNS

/// The resolver's counters as Prometheus families: the query path bumps plain
/// atomics; a scrape turns their growth into counter increments.
final class DNSMetrics: Sendable {
    static let queries = "overlayd_node_dns_queries_total"
    static let names = "overlayd_node_dns_names"
    static let hostWired = "overlayd_node_dns_host_wired"

    static let definitions: [MetricDefinition] = [
        .init(queries, .counter, labels: ["outcome"],
              help: "DNS queries the node's resolver handled, by outcome: answer, nodata, nxdomain, refused, formerr, notimp, servfail, dropped."),
        .init(names, .gauge, help: "Node names the resolver answers for (the active roster)."),
        .init(hostWired, .gauge, help: "1 while the host's lookups reach the resolver (systemd-resolved or the hosts file), 0 after the wiring failed or when there is none."),
    ]

    private let seen = NIOLockedValueBox<[DNSOutcome: UInt64]>([:])

    init() {
        _ = MetricsBootstrap.registry
        for outcome in DNSOutcome.allCases { Counter(label: Self.queries, dimensions: [("outcome", outcome.rawValue)]).increment(by: 0) }
    }

    func refresh(_ service: NameService) {
        for (outcome, count) in service.server.counters.all {
            let delta = seen.withLockedValue { seen -> UInt64 in
                let last = seen[outcome] ?? 0
                seen[outcome] = count
                return count >= last ? count - last : count
            }
            if delta > 0 { Counter(label: Self.queries, dimensions: [("outcome", outcome.rawValue)]).increment(by: Int64(clamping: delta)) }
        }
        let status = service.status(search: false)
        Gauge(label: Self.names).record(Double(status.names))
        Gauge(label: Self.hostWired).record(service.wiring != nil && status.hostError == nil ? 1 : 0)
    }
}
