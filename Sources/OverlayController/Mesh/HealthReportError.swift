import OverlayProtocol

/// Why a node's health report was refused. The roster request it came with
/// is refused too (400), so a node sending one learns at once.
enum HealthReportError: Error, CustomStringConvertible, Sendable {
    case tooManyEntries(node: String, count: Int)
    case invalidRTT(node: String, peer: String)
    case duplicatePeer(node: String, peer: String)

    var code: String { "invalid_health_report" }

    var description: String {
        switch self {
        case let .tooManyEntries(node, count):
            "health report from \(node) has \(count) entries; at most \(HealthReport.maxEntries) per request (send the rest on the next poll)"
        case let .invalidRTT(node, peer):
            "health report from \(node) gives \(peer) an RTT that is negative or absurd (over 1 hour); send milliseconds, or omit rttMs"
        case let .duplicatePeer(node, peer):
            "health report from \(node) lists \(peer) twice; send one entry per peer"
        }
    }
}
