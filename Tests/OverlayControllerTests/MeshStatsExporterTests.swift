@testable import OverlayController
import Testing

/// The exporter turns the matrix's totals into monotonic Prometheus counters.
@Suite struct MeshStatsExporterTests {
    @Test("totals read out of order by two scrapes are never counted twice")
    func outOfOrderTotalsCountedOnce() {
        func stats(_ n: Int) -> MeshStats { MeshStats(reports: 2 * n, fullReports: n, entries: 10 * n, fullReportRequests: n) }
        var last = stats(0)
        var added = [MeshStats]()
        for n in [2, 1, 3, 3, 5] { added.append(MeshStatsExporter.advance(&last, to: stats(n))) }
        #expect(added.reduce(0) { $0 + $1.reports } == stats(5).reports)
        #expect(added.reduce(0) { $0 + $1.fullReports } == stats(5).fullReports)
        #expect(added.reduce(0) { $0 + $1.entries } == stats(5).entries)
        #expect(added.reduce(0) { $0 + $1.fullReportRequests } == stats(5).fullReportRequests)
        #expect(added.allSatisfy { $0.reports >= 0 && $0.entries >= 0 })
    }
}
