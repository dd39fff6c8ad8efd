import OverlayProtocol

extension NodeStatus {
    /// Fills in what the controller says about this node's reachability and what reporting has cost.
    mutating func addHealthReporting(_ reporter: HealthReporter) {
        if let r = reporter.reachability {
            reachableBy = r.reachableBy
            reachablePeers = r.peers
            reachabilityAt = r.at
        }
        let c = reporter.counters
        healthReports = HealthReportCounters(reports: c.reports, entries: c.entries, deltaEntries: c.deltaEntries,
                                             fullReports: c.fullReports)
    }
}
