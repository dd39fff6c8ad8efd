import Foundation
import OverlayCore
import OverlayProtocol

/// Checks a health report from a roster request before it touches the
/// matrix: bounded size, one entry per peer, each a node this controller
/// knows, sane numbers, short errors without control characters (an error is
/// printed by `overlayctl mesh` on an operator's terminal, where an escape
/// sequence would be obeyed). Anything absurd refuses the whole report:
/// nothing of it is stored.
enum HealthReportIngest {
    /// Longest error text kept per pair; the rest is cut (a node's error is one line).
    static let maxErrorLength = 300

    /// `isKnown` tells whether a peer name is a node of this network (registered now, or active
    /// since this controller started, so a node removed a moment ago is not yet a stranger).
    static func validated(_ report: HealthReport, from node: String,
                          isKnown: (String) -> Bool) throws(HealthReportError) -> HealthReport {
        guard report.entries.count <= HealthReport.maxEntries else {
            throw .tooManyEntries(node: node, count: report.entries.count)
        }
        guard (1...HealthReport.maxSeq).contains(report.seq) else { throw .invalidSeq(node: node, seq: report.seq) }
        if let start = report.fullStart, !(1...report.seq).contains(start) {
            throw .invalidFullStart(node: node, fullStart: start, seq: report.seq)
        }
        var seen = Set<String>()
        var clean = report
        for (i, entry) in report.entries.enumerated() {
            guard (try? NodeName.validate(entry.peer)) != nil else { throw .invalidPeerName(node: node, index: i) }
            guard isKnown(entry.peer) else { throw .unknownPeer(node: node, peer: entry.peer) }
            guard seen.insert(entry.peer).inserted else { throw .duplicatePeer(node: node, peer: entry.peer) }
            if let rtt = entry.rttMs, !(0...HealthReportEntry.maxRTTMs).contains(rtt) { throw .invalidRTT(node: node, peer: entry.peer) }
            if let f = entry.forSeconds, !(0...HealthReportEntry.maxForSeconds).contains(f) {
                throw .invalidForSeconds(node: node, peer: entry.peer)
            }
            if let e = entry.error {
                let printable = printable(e)
                clean.entries[i].error = printable.count > maxErrorLength ? String(printable.prefix(maxErrorLength)) + "…" : printable
            }
        }
        return clean
    }

    /// `text` with every C0 and C1 control character (and DEL) replaced by a space: an error is one line of plain text.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }
}
