import Foundation

/// How much a node's health reporting has put on its roster requests since
/// it started: `deltaEntries` stays still on a quiet, healthy network, and
/// `entries` grows only by the periodic full reports.
public struct HealthReportCounters: Codable, Sendable, Equatable {
    /// Roster requests that carried a report.
    public var reports: Int
    /// Per-peer entries sent, counting resends of unacknowledged ones.
    public var entries: Int
    /// Entries sent outside a full report (changes).
    public var deltaEntries: Int
    /// Full reports started (periodic, first after start, or asked for by the controller).
    public var fullReports: Int

    public init(reports: Int, entries: Int, deltaEntries: Int, fullReports: Int) {
        self.reports = reports; self.entries = entries; self.deltaEntries = deltaEntries; self.fullReports = fullReports
    }
}
