import Foundation
@testable import OverlayNode
import OverlayProtocol
import Testing

/// A SIGHUP reload changes `report-rtt-floor` in the shared `NodeTimers`; the
/// health reporter must read it at the next report, not keep the value it started with.
@Suite("RTT floor reload")
struct RTTFloorReloadTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    let peer = RosterEntry(name: "peer-a", overlayIP: "100.64.0.2", endpoint: "198.18.0.2:7444", fingerprint: "ab")

    func ack(_ report: HealthReport?) -> HealthReportReply {
        HealthReportReply(ack: report?.seq, sendFull: false, reachableBy: 1, peers: 1)
    }

    @Test("lowering the floor from 1 h to 0 at run time turns a small RTT move into a report entry")
    func loweredFloorReportsSmallMove() throws {
        let book = PeerHealthBook(forgetAfter: 60)
        _ = book.sync(with: [peer], selfName: "self", now: t0)
        book.record(peer.name, fingerprint: peer.fingerprint) { $0.pong(rttMs: 0.2, at: t0) }
        let timers = NodeTimers(.init(rosterInterval: 10, pingInterval: 5, pingTimeout: 5, reportRTTFloor: 3600))
        let reporter = HealthReporter(book: book, timers: timers)

        let first = try #require(reporter.nextReport(now: t0))
        #expect(first.full && first.entries.map(\.peer) == ["peer-a"], "the first report is full")
        reporter.answered(ack(first), now: t0)

        // Far more than 25 % of the RTT, far less than an hour: under the 1 h floor, nothing to report.
        for _ in 0..<3 { book.record(peer.name, fingerprint: peer.fingerprint) { $0.pong(rttMs: 1, at: t0) } }
        #expect(reporter.nextReport(now: t0) == nil, "a move under the 1 h floor is not reported")
        reporter.answered(ack(nil), now: t0)

        timers.set(.init(rosterInterval: 10, pingInterval: 5, pingTimeout: 5, reportRTTFloor: 0))
        let moved = try #require(reporter.nextReport(now: t0), "after the reload to floor 0 the same move is reported")
        #expect(!moved.full)
        let entry = try #require(moved.entries.first { $0.peer == "peer-a" })
        #expect(entry.state == .up)
        let rtt = try #require(entry.rttMs)
        #expect(rtt > 0.3 && rtt < 1, "the entry carries the moved, smoothed RTT: \(rtt)")
    }
}
