import CoreMetrics
import NIOConcurrencyHelpers
import OverlayCore

/// Carries the mesh's health-report totals (`MeshService.stats`, kept by the
/// matrix) into Prometheus counters: at each scrape it adds what arrived
/// since the previous one, so the counters stay monotonic and the matrix
/// needs no knowledge of metrics.
final class MeshStatsExporter: Sendable {
    static let reports = "overlayd_controller_health_reports_total"
    static let entries = "overlayd_controller_health_report_entries_total"
    static let fullRequests = "overlayd_controller_health_full_report_requests_total"

    static let definitions: [MetricDefinition] = [
        .init(reports, .counter, labels: ["kind"],
              help: "Health reports received with roster requests, by kind: full (every peer) or delta (changes only)."),
        .init(entries, .counter, help: "Per-peer entries received in health reports."),
        .init(fullRequests, .counter, help: "Roster answers that asked a node for a full health report (no baseline for it)."),
    ]

    private let last = NIOLockedValueBox(MeshStats(reports: 0, fullReports: 0, entries: 0, fullReportRequests: 0))

    init() {
        _ = MetricsBootstrap.registry
        for kind in ["full", "delta"] { _ = Counter(label: Self.reports, dimensions: [("kind", kind)]) }
        _ = Counter(label: Self.entries)
        _ = Counter(label: Self.fullRequests)
    }

    func export(_ now: MeshStats) {
        let before = last.withLockedValue { previous in
            defer { previous = now }
            return previous
        }
        let full = now.fullReports - before.fullReports
        let delta = (now.reports - now.fullReports) - (before.reports - before.fullReports)
        add(full, to: Counter(label: Self.reports, dimensions: [("kind", "full")]))
        add(delta, to: Counter(label: Self.reports, dimensions: [("kind", "delta")]))
        add(now.entries - before.entries, to: Counter(label: Self.entries))
        add(now.fullReportRequests - before.fullReportRequests, to: Counter(label: Self.fullRequests))
    }

    private func add(_ amount: Int, to counter: Counter) {
        if amount > 0 { counter.increment(by: amount) }
    }
}
