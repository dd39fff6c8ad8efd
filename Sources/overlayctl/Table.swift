import Foundation
import OverlayCore
import OverlayProtocol

/// Left-aligned columns, two spaces apart, for terminal output.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

enum Format {
    static func date(_ d: Date?) -> String {
        guard let d else { return "-" }
        let f = ISO8601DateFormatter()
        return f.string(from: d)
    }

    static func ago(_ d: Date?) -> String {
        guard let d else { return "never" }
        let s = Date().timeIntervalSince(d)
        if s < 1 { return "just now" }
        if s < 120 { return "\(Int(s))s ago" }
        if s < 7200 { return "\(Int(s / 60))m ago" }
        return "\(Int(s / 3600))h ago"
    }

    /// "by 4/5 peers (controller's mesh view, 3s ago)", from the node's status.
    static func reachability(_ s: NodeStatus) -> String {
        guard let by = s.reachableBy, let of = s.reachablePeers else { return "unknown (the controller has not reported it yet)" }
        return "by \(by)/\(of) peers (controller's mesh view, \(ago(s.reachabilityAt)))"
    }

    static func timers(_ t: NodeTimerSettings?) -> String {
        guard let t else { return "unknown (the node is older than this overlayctl)" }
        let d = DurationParser.format
        return "roster every \(d(t.rosterIntervalSeconds)), ping every \(d(t.pingIntervalSeconds)) "
            + "(timeout \(d(t.pingTimeoutSeconds))), report RTT floor \(d(t.reportRTTFloorSeconds))"
    }

    static func ms(_ v: Double?) -> String { v.map { String(format: "%.2fms", $0) } ?? "-" }
}
