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

    private let last = NIOLockedValueBox(MeshStats())

    init() {
        _ = MetricsBootstrap.registry
        for kind in ["full", "delta"] { _ = Counter(label: Self.reports, dimensions: [("kind", kind)]) }
        _ = Counter(label: Self.entries)
        _ = Counter(label: Self.fullRequests)
    }

    /// Reads the totals (`read`) under this exporter's lock, so two concurrent scrapes take turns:
    /// each adds only what arrived since the other.
    func export(_ read: () -> MeshStats) {
        let added = last.withLockedValue { previous in Self.advance(&previous, to: read()) }
        add(added.fullReports, to: Counter(label: Self.reports, dimensions: [("kind", "full")]))
        add(added.reports - added.fullReports, to: Counter(label: Self.reports, dimensions: [("kind", "delta")]))
        add(added.entries, to: Counter(label: Self.entries))
        add(added.fullReportRequests, to: Counter(label: Self.fullRequests))
    }

    /// What to add to the counters going from `previous` to `now`, field by field never below zero;
    /// `previous` moves to the larger of the two, so totals read out of order are never counted twice.
    static func advance(_ previous: inout MeshStats, to now: MeshStats) -> MeshStats {
        let delta = { (a: Int, b: Int) in max(0, b - a) }
        let previousDelta = previous.reports - previous.fullReports, nowDelta = now.reports - now.fullReports
        let full = delta(previous.fullReports, now.fullReports)
        let added = MeshStats(reports: full + delta(previousDelta, nowDelta), fullReports: full,
                              entries: delta(previous.entries, now.entries),
                              fullReportRequests: delta(previous.fullReportRequests, now.fullReportRequests))
        previous = MeshStats(reports: max(previous.fullReports, now.fullReports) + max(previousDelta, nowDelta),
                             fullReports: max(previous.fullReports, now.fullReports),
                             entries: max(previous.entries, now.entries),
                             fullReportRequests: max(previous.fullReportRequests, now.fullReportRequests))
        return added
    }

    private func add(_ amount: Int, to counter: Counter) {
        if amount > 0 { counter.increment(by: amount) }
    }
}
