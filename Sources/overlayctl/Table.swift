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

    static func ago(_ d: Date?) -> String { secondsAgo(d.map { Date().timeIntervalSince($0) }) }

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

    /// "1.2k pkts 1.7MiB"
    static func traffic(_ packets: UInt64?, _ bytes: UInt64?) -> String {
        guard let packets, let bytes else { return "-" }
        return "\(count(packets)) pkts \(size(bytes))"
    }

    static func count(_ n: UInt64) -> String {
        n < 10_000 ? "\(n)" : n < 10_000_000 ? String(format: "%.1fk", Double(n) / 1e3) : String(format: "%.1fM", Double(n) / 1e6)
    }

    static func size(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(n)B" : String(format: "%.1f%@", v, units[i])
    }

    static func secondsAgo(_ s: Double?) -> String {
        guard let s else { return "never" }
        if s < 1 { return "just now" }
        if s < 120 { return "\(Int(s))s ago" }
        if s < 7200 { return "\(Int(s / 60))m ago" }
        return "\(Int(s / 3600))h ago"
    }

    /// "ovl0, MTU 1420, UDP 7444, AES-128-GCM; keys 12s–95s old (rekey every 2m); 3 packets dropped (unknown-key 3)"
    static func dataPlane(_ d: DataPlaneSummary?) -> String {
        guard let d else { return "off (--no-tun: this node carries no overlay traffic)" }
        let f = DurationParser.format
        var keys = "no keys yet"
        if let newest = d.newestKeyAgeSeconds, let oldest = d.oldestKeyAgeSeconds {
            keys = newest.rounded() == oldest.rounded() ? "key \(f(newest.rounded())) old" : "keys \(f(newest.rounded()))–\(f(oldest.rounded())) old"
        }
        let dropped = d.drops.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        let drops = dropped.isEmpty ? "nothing dropped"
            : "\(dropped.map(\.value).reduce(0, +)) dropped (" + dropped.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        return "\(d.tun), MTU \(d.mtu), \(d.queues) queue(s), UDP \(d.dataPort), \(d.cipher); \(keys) (rekey every \(f(d.rekeyIntervalSeconds))); \(drops)"
    }

    static func dns(_ d: NodeDNSStatus?) -> String {
        guard let d else { return "off (--dns off: this node answers no names)" }
        let domain = d.domain.map { "*.\($0)" } ?? "no domain yet (no roster)"
        let asked = d.queries.values.reduce(0, +)
        let refused = (d.queries["refused"] ?? 0) + (d.queries["formerr"] ?? 0) + (d.queries["dropped"] ?? 0)
        var host = "host: \(d.host)\(d.search ? " (search domain)" : "")"
        if let e = d.hostError { host += " FAILING: \(e)" }
        return "\(domain), \(d.names) names on \(d.listen.joined(separator: ", ")); \(host); \(asked) queries (\(refused) refused or malformed)"
    }

    static func certificate(_ c: CertificateStatus?, now: Date = Date()) -> String {
        guard let c else { return "-" }
        let f = { (t: TimeInterval) in DurationParser.format(max(0, t.rounded())) }
        let expiry = c.notAfter > now ? "expires in \(f(c.notAfter.timeIntervalSince(now)))" : "EXPIRED \(f(now.timeIntervalSince(c.notAfter))) ago"
        var line = "sha256 \(c.fingerprint.prefix(16)), \(expiry), renews in \(f(c.renewAt.timeIntervalSince(now))) (\(c.renewals) renewal(s) since start)"
        if c.failures > 0 { line += "; RENEWAL FAILING (\(c.failures) attempt(s)): \(c.lastError ?? "?")" }
        return line
    }

    /// A node's name as DNS gives it, when the domain is known.
    static func fullName(_ name: String, _ domain: String?) -> String { domain.map { "\(name).\($0)" } ?? name }

    static func ms(_ v: Double?) -> String { v.map { String(format: "%.2fms", $0) } ?? "-" }
}
