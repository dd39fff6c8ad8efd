import Foundation
@testable import OverlayController
@testable import OverlayNode
import OverlayProtocol
import Testing

@Suite struct HealthReportTrackerTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func upPeers(_ count: Int, rtt: Double = 2) -> [String: PeerHealth] {
        var book: [String: PeerHealth] = [:]
        for i in 0..<count {
            var h = PeerHealth()
            h.pong(rttMs: rtt, at: t0)
            book[String(format: "peer-%04d", i)] = h
        }
        return book
    }

    func unwrap(_ report: HealthReport?, _ comment: Comment? = nil) throws -> HealthReport {
        try #require(report, comment)
    }

    func ack(_ report: HealthReport?) -> HealthReportReply {
        HealthReportReply(ack: report?.seq, sendFull: false, reachableBy: 0, peers: 0)
    }

    @Test("a quiet, healthy network sends nothing between full reports")
    func quietNetworkSendsNothing() throws {
        var tracker = HealthReportTracker(fullEvery: 30)
        let book = upPeers(5)
        let first = try unwrap(tracker.next(health: book, now: t0))
        #expect(first.full && first.entries.count == 5, "the first report after start is full")
        tracker.answered(ack(first))
        var reports: [HealthReport] = []
        for _ in 0..<59 {
            if let r = tracker.next(health: book, now: t0) { reports.append(r) }
            tracker.answered(ack(reports.last))
        }
        #expect(reports.count == 1, "one periodic full report in 59 quiet polls: \(reports.map(\.seq))")
        #expect(reports.allSatisfy { $0.full })
        #expect(tracker.counters.deltaEntries == 0)
        #expect(tracker.counters.entries == 10)
    }

    @Test("a state change and a noticeable RTT move are sent; a small RTT wobble is not")
    func deltas() throws {
        var tracker = HealthReportTracker(rttFloorMs: 1)
        var book = upPeers(3, rtt: 10)
        tracker.answered(ack(tracker.next(health: book, now: t0)))

        book["peer-0001"]!.pong(rttMs: 12, at: t0)   // srtt 10.25: under max(25 %, 1 ms)
        #expect(tracker.next(health: book, now: t0) == nil)
        tracker.answered(ack(nil))

        book["peer-0000"]!.miss("connection refused by peer (nothing listening)", at: t0)
        for _ in 0..<3 { book["peer-0002"]!.pong(rttMs: 40, at: t0) }   // srtt ≈ 19.9: moved more than 25 %
        let report = try unwrap(tracker.next(health: book, now: t0.addingTimeInterval(5)))
        #expect(!report.full)
        #expect(report.entries.map(\.peer) == ["peer-0000", "peer-0002"], "state changes come first")
        #expect(report.entries[0].state == .down && report.entries[0].error?.contains("refused") == true)
        #expect(report.entries[0].forSeconds == 5)
        #expect(report.entries[1].state == .up && (report.entries[1].rttMs ?? 0) > 19)
        tracker.answered(ack(report))
        #expect(tracker.next(health: book, now: t0) == nil, "acknowledged: nothing left to say")
    }

    @Test("1000 pending peers go out over several polls, each under the cap; a lost acknowledgement is retried; nothing is lost")
    func cappedReportsAndLostAcknowledgement() throws {
        var tracker = HealthReportTracker(cap: HealthReport.maxEntries)
        let book = upPeers(1000)
        var delivered: [String: Int] = [:]
        var polls = 0
        var lostOnce = false
        while polls < 20 {
            polls += 1
            guard let report = tracker.next(health: book, now: t0) else { break }
            #expect(report.entries.count <= HealthReport.maxEntries)
            #expect(report.full)
            if polls == 2 && !lostOnce {
                // The controller took it, but its answer was lost: the node must send the same entries again, same number.
                lostOnce = true
                tracker.failed()
                let again = try unwrap(tracker.next(health: book, now: t0))
                #expect(again.seq == report.seq)
                #expect(again.entries == report.entries)
                for e in again.entries { delivered[e.peer, default: 0] += 1 }
                tracker.answered(ack(again))
                continue
            }
            for e in report.entries { delivered[e.peer, default: 0] += 1 }
            tracker.answered(ack(report))
        }
        #expect(lostOnce)
        #expect(delivered.count == 1000, "every peer was delivered: \(delivered.count)")
        #expect(delivered.values.allSatisfy { $0 == 1 }, "each acknowledged once")
        #expect(polls == 5, "1000 entries at 256 a poll: 4 reports, then silence (\(polls) polls)")
        #expect(tracker.acknowledged.count == 1000)
        #expect(tracker.next(health: book, now: t0) == nil)
    }

    @Test("an answer with another sequence number acknowledges nothing; 'send full' starts a full report")
    func wrongAckAndSendFull() throws {
        var tracker = HealthReportTracker()
        let book = upPeers(2)
        let first = try unwrap(tracker.next(health: book, now: t0))
        tracker.answered(HealthReportReply(ack: first.seq + 7, sendFull: false, reachableBy: 0, peers: 0))
        let again = try unwrap(tracker.next(health: book, now: t0), "not acknowledged: sent again")
        #expect(again.seq == first.seq && again.entries.count == 2)
        tracker.answered(ack(again))
        #expect(tracker.next(health: book, now: t0) == nil)
        tracker.answered(HealthReportReply(ack: nil, sendFull: true, reachableBy: 0, peers: 0))
        let full = try unwrap(tracker.next(health: book, now: t0))
        #expect(full.full && full.entries.count == 2 && full.seq == again.seq + 1)
    }

    @Test("a node with no peers still sends an (empty) full report, so the controller gets its baseline")
    func emptyFullReport() throws {
        var tracker = HealthReportTracker()
        let report = try unwrap(tracker.next(health: [:], now: t0))
        #expect(report.full && report.entries.isEmpty)
        tracker.answered(ack(report))
        #expect(tracker.next(health: [:], now: t0) == nil)
    }

    @Test("with long names and long errors a report stays under the controller's 64 KiB body limit")
    func byteBudget() throws {
        var tracker = HealthReportTracker()
        var book: [String: PeerHealth] = [:]
        for i in 0..<600 {
            var h = PeerHealth()
            h.miss(String(repeating: "\"tls handshake failed\" ", count: 40), at: t0)
            book[String(format: "peer-%04d-", i) + String(repeating: "x", count: 53)] = h
        }
        var sent = 0
        for _ in 0..<20 {
            guard let report = tracker.next(health: book, now: t0) else { break }
            let size = OverlayJSON.encode(RosterRequest(knownVersion: "v", advertise: "198.18.0.2:7444", listenPort: nil, health: report)).count
            #expect(size < 64 * 1024, "report of \(report.entries.count) entries is \(size) bytes")
            #expect(report.entries.allSatisfy { ($0.error?.count ?? 0) <= HealthReportTracker.maxErrorLength })
            sent += report.entries.count
            tracker.answered(ack(report))
        }
        #expect(sent == 600)
    }

    @Test("a report the controller refuses is not resent forever: reporting pauses, then starts over with a full report")
    func refusedReport() throws {
        var tracker = HealthReportTracker(fullEvery: 5)
        let book = upPeers(3)
        _ = try unwrap(tracker.next(health: book, now: t0))
        tracker.refused()
        for _ in 0..<5 {
            #expect(tracker.next(health: book, now: t0) == nil)
            tracker.answered(ack(nil))
        }
        let again = try unwrap(tracker.next(health: book, now: t0))
        #expect(again.full && again.entries.count == 3)
    }

    @Test("a controller that restarts in the middle of a multi-poll full report asks again, and ends up with every peer")
    func fullReportAcrossControllerRestart() throws {
        var tracker = HealthReportTracker(cap: 2)
        let book = upPeers(5)
        let names = ["alice"] + book.keys.sorted()
        func controller() -> MeshMatrix {
            let m = MeshMatrix()
            m.syncActive(version: "v1") { names }
            return m
        }
        let before = controller()
        let part1 = try unwrap(tracker.next(health: book, now: t0))
        #expect(part1.full && part1.fullStart == part1.seq && part1.entries.count == 2)
        tracker.answered(before.ingest(reporter: "alice", report: part1, now: t0))

        let after = controller()   // restarted: what part 1 said is gone
        for _ in 0..<10 {
            guard let report = tracker.next(health: book, now: t0) else { break }
            tracker.answered(after.ingest(reporter: "alice", report: report, now: t0))
        }
        let row = try #require(after.snapshot().rows[after.snapshot().numbers["alice"]!])
        let known = book.keys.filter { row.isUp(after.snapshot().numbers[$0]!) }
        #expect(known.count == 5, "every peer of alice is known to the restarted controller: \(known.sorted())")
        #expect(row.baseline != nil)
    }

    @Test("'send full' in the middle of a full report starts it over from every peer")
    func sendFullRestartsFullReport() throws {
        var tracker = HealthReportTracker(cap: 2)
        let book = upPeers(5)
        let part1 = try unwrap(tracker.next(health: book, now: t0))
        tracker.answered(ack(part1))
        let part2 = try unwrap(tracker.next(health: book, now: t0))
        #expect(part2.full && part2.fullStart == part1.seq)
        tracker.answered(HealthReportReply(ack: part2.seq, sendFull: true, reachableBy: 0, peers: 0))
        var peers = Set<String>()
        var first: HealthReport?
        for _ in 0..<5 {
            guard let r = tracker.next(health: book, now: t0) else { break }
            if first == nil { first = r }
            #expect(r.full)
            peers.formUnion(r.entries.map(\.peer))
            tracker.answered(ack(r))
        }
        #expect(first?.fullStart == first?.seq, "a new full report, starting at its own number")
        #expect(peers.count == 5, "all five peers again, not just the one part 3 had left: \(peers.sorted())")
    }

    @Test("a restarted full report sends what the aborted one had not reached first, so it progresses however often it restarts")
    func restartedFullReportMakesProgress() throws {
        var tracker = HealthReportTracker(cap: 2)
        let book = upPeers(8)
        for _ in 0..<4 { tracker.answered(ack(try unwrap(tracker.next(health: book, now: t0)))) }
        #expect(tracker.next(health: book, now: t0) == nil, "the first full report is through; a quiet network sends nothing")
        let askAgain = { (r: HealthReport?) in HealthReportReply(ack: r?.seq, sendFull: true, reachableBy: 0, peers: 0) }
        tracker.answered(askAgain(nil))

        let part1 = try unwrap(tracker.next(health: book, now: t0))
        #expect(part1.full && part1.entries.map(\.peer) == ["peer-0000", "peer-0001"])
        tracker.answered(askAgain(part1))
        let restart = try unwrap(tracker.next(health: book, now: t0))
        #expect(restart.full && restart.fullStart == restart.seq)
        #expect(restart.entries.map(\.peer) == ["peer-0002", "peer-0003"], "the leftovers of the aborted report first, not peer-0000 again")

        // The controller asks again after every single part (rejoins faster than a full report takes):
        // still every peer gets through, each within one pass over the peers.
        var seen = Set(part1.entries.map(\.peer)).union(restart.entries.map(\.peer))
        tracker.answered(askAgain(restart))
        for _ in 0..<2 {
            let r = try unwrap(tracker.next(health: book, now: t0))
            #expect(r.full && r.fullStart == r.seq)
            #expect(seen.isDisjoint(with: r.entries.map(\.peer)),
                    "\(r.entries.map(\.peer)) were already sent while \(Set(book.keys).subtracting(seen).sorted()) were not")
            seen.formUnion(r.entries.map(\.peer))
            tracker.answered(askAgain(r))
        }
        #expect(seen == Set(book.keys))
        let again = try unwrap(tracker.next(health: book, now: t0))
        #expect(again.entries.map(\.peer) == ["peer-0000", "peer-0001"], "then the least recently sent again")
    }

    @Test("a node never sends a duration the controller refuses: never negative, left out past ten years (a stepped clock)")
    func forSecondsStaysInRange() {
        #expect(HealthReportTracker.forSeconds(since: t0.addingTimeInterval(-5), now: t0) == 5)
        #expect(HealthReportTracker.forSeconds(since: t0.addingTimeInterval(30), now: t0) == 0, "a clock that stepped back")
        #expect(HealthReportTracker.forSeconds(since: t0.addingTimeInterval(-HealthReportEntry.maxForSeconds - 1), now: t0) == nil)
        #expect(HealthReportTracker.forSeconds(since: nil, now: t0) == nil)
    }
}
