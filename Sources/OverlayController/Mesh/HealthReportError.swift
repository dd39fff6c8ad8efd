import OverlayProtocol

/// Why a node's health report was refused. The roster request it came with
/// is refused too (400), so a node sending one learns at once (it drops the
/// report and sends a full one later; docs/protocol.md, "Health reports").
/// Each message names the node, the field and, where it is a node name, the
/// peer: never more of the request than that, so the answer and the log line
/// stay short whatever was sent.
enum HealthReportError: Error, CustomStringConvertible, Sendable {
    case tooManyEntries(node: String, count: Int)
    case invalidSeq(node: String, seq: UInt64)
    case invalidFullStart(node: String, fullStart: UInt64, seq: UInt64)
    case invalidPeerName(node: String, index: Int)
    case unknownPeer(node: String, peer: String)
    case invalidRTT(node: String, peer: String)
    case invalidForSeconds(node: String, peer: String)
    case duplicatePeer(node: String, peer: String)

    var code: String { "invalid_health_report" }

    var description: String {
        switch self {
        case let .tooManyEntries(node, count):
            "health report from \(node) has \(count) entries; at most \(HealthReport.maxEntries) per request (send the rest on the next poll)"
        case let .invalidSeq(node, seq):
            "health report from \(node) has seq \(seq): report numbers start at 1 and stay at most \(HealthReport.maxSeq) (they start again at 1 with a new node process and never wrap)"
        case let .invalidFullStart(node, fullStart, seq):
            "health report from \(node) has fullStart \(fullStart) with seq \(seq): a full report's first part cannot come after the part being sent, nor before 1"
        case let .invalidPeerName(node, index):
            "health report from \(node): entry \(index)'s peer is not a node name (1-63 of a-z, 0-9 and '-')"
        case let .unknownPeer(node, peer):
            "health report from \(node) names a peer '\(peer)' that is not a node of this network; report only the peers the roster lists"
        case let .invalidRTT(node, peer):
            "health report from \(node) gives \(peer) an rttMs that is negative or absurd (over 1 hour); send milliseconds, or omit rttMs"
        case let .invalidForSeconds(node, peer):
            "health report from \(node) gives \(peer) a forSeconds that is negative or absurd (over 10 years); send seconds in this state, or omit forSeconds"
        case let .duplicatePeer(node, peer):
            "health report from \(node) lists \(peer) twice; send one entry per peer"
        }
    }
}
