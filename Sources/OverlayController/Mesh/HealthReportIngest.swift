import Foundation
import OverlayProtocol

/// Checks a health report from a roster request before it touches the
/// matrix: bounded size, one entry per peer, sane numbers, short errors.
enum HealthReportIngest {
    /// Longest error text kept per pair; the rest is cut (a node's error is one line).
    static let maxErrorLength = 300

    static func validated(_ report: HealthReport, from node: String) throws(HealthReportError) -> HealthReport {
        guard report.entries.count <= HealthReport.maxEntries else {
            throw .tooManyEntries(node: node, count: report.entries.count)
        }
        var seen = Set<String>()
        var clean = report
        for (i, entry) in report.entries.enumerated() {
            guard seen.insert(entry.peer).inserted else { throw .duplicatePeer(node: node, peer: entry.peer) }
            if let rtt = entry.rttMs, !(0...3_600_000).contains(rtt) { throw .invalidRTT(node: node, peer: entry.peer) }
            if let f = entry.forSeconds, !(0...315_360_000).contains(f) { clean.entries[i].forSeconds = nil }
            if let e = entry.error, e.count > maxErrorLength { clean.entries[i].error = String(e.prefix(maxErrorLength)) + "…" }
        }
        return clean
    }
}
