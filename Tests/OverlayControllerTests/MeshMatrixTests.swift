import Foundation
@testable import OverlayController
import OverlayProtocol
import Testing

@Suite struct MeshMatrixTests {
    let now = Date(timeIntervalSince1970: 2_000_000)

    func up(_ peer: String, _ rtt: Double = 1.5) -> HealthReportEntry {
        HealthReportEntry(peer: peer, state: .up, rttMs: rtt, forSeconds: 60, error: nil)
    }

    func down(_ peer: String) -> HealthReportEntry {
        HealthReportEntry(peer: peer, state: .down, rttMs: nil, forSeconds: 30, error: "timeout: no PONG within 5000ms")
    }

    func matrix(_ names: [String], version: String = "v1") -> MeshMatrix {
        let m = MeshMatrix()
        m.syncActive(version: version) { names }
        return m
    }

    func view(_ m: MeshMatrix, _ names: [String], brokenOnly: Bool = false) -> MeshView {
        MeshViewBuilder(snapshot: m.snapshot(), active: names.map { .init(name: $0, overlayIP: "100.64.0.\(names.firstIndex(of: $0)! + 1)") })
            .build(rosterVersion: "v1", now: now, brokenOnly: brokenOnly)
    }

    /// Every node reports every other up, except the pairs in `broken`.
    func report(_ m: MeshMatrix, _ names: [String], broken: Set<[String]> = []) {
        for a in names {
            let entries = names.filter { $0 != a }.map { b in broken.contains([a, b]) ? down(b) : up(b) }
            _ = m.ingest(reporter: a, report: HealthReport(seq: 1, full: true, entries: entries), now: now)
        }
    }

    @Test("all up: every ordered pair up, everyone reaches and is reached by everyone, no flags")
    func allUp() {
        let names = ["alice", "bob", "carol", "dave"]
        let m = matrix(names)
        report(m, names)
        let v = view(m, names)
        #expect(v.pairs.count == 12)
        #expect(v.pairs.allSatisfy { $0.state == .up && $0.rttMs == 1.5 && !$0.asymmetric })
        #expect(v.nodes.allSatisfy { $0.reachableBy == 3 && $0.reaches == 3 && $0.peers == 3 && $0.flags.isEmpty })
        #expect(view(m, names, brokenOnly: true).pairs.isEmpty)
    }

    @Test("A sees B down while B sees A up: that pair alone is down and asymmetric; both nodes flagged")
    func asymmetry() throws {
        let names = ["alice", "bob", "carol", "dave"]
        let m = matrix(names)
        report(m, names, broken: [["alice", "bob"]])
        let v = view(m, names)
        let downPairs = v.pairs.filter { $0.state != .up }
        #expect(downPairs.count == 1)
        let p = try #require(downPairs.first)
        #expect(p.from == "alice" && p.to == "bob" && p.state == .down && p.asymmetric)
        #expect(p.lastError == "timeout: no PONG within 5000ms")
        #expect(p.since == now.addingTimeInterval(-30))
        let flagged = v.nodes.filter { $0.flags.contains(.asymmetric) }.map(\.name)
        #expect(flagged == ["alice", "bob"])
        #expect(v.nodes.first { $0.name == "bob" }?.reachableBy == 2)
        #expect(v.nodes.first { $0.name == "alice" }?.reaches == 2)
        #expect(view(m, names, brokenOnly: true).pairs == [p])
        #expect(m.downPairCount() == 1)

        // Both directions down: not asymmetric any more.
        _ = m.ingest(reporter: "bob", report: HealthReport(seq: 2, full: false, entries: [down("alice")]), now: now)
        #expect(view(m, names).pairs.filter { $0.state == .down }.allSatisfy { !$0.asymmetric })
    }

    @Test("a node that reports but that every peer sees down is unreachable by peers; one peer up clears it")
    func unreachableByPeers() throws {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, names, broken: [["alice", "carol"], ["bob", "carol"]])
        var carol = try #require(view(m, names).nodes.first { $0.name == "carol" })
        #expect(carol.flags.contains(.unreachableByPeers))
        #expect(carol.reachableBy == 0 && carol.reaches == 2)
        #expect(view(m, names).nodes.filter { $0.flags.contains(.unreachableByPeers) }.map(\.name) == ["carol"])

        _ = m.ingest(reporter: "bob", report: HealthReport(seq: 2, full: false, entries: [up("carol")]), now: now)
        carol = try #require(view(m, names).nodes.first { $0.name == "carol" })
        #expect(!carol.flags.contains(.unreachableByPeers) && carol.reachableBy == 1)
    }

    @Test("a node with no report: its pairs are unknown and it is flagged no-report, not unreachable")
    func noReport() throws {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, ["alice", "bob"])
        let v = view(m, names)
        let carol = try #require(v.nodes.first { $0.name == "carol" })
        #expect(carol.flags == [.noReport])
        #expect(v.pairs.filter { $0.from == "carol" }.allSatisfy { $0.state == .unknown })
        #expect(v.pairs.filter { $0.to == "carol" }.allSatisfy { $0.state == .unknown }, "alice and bob did not report carol")
        #expect(view(m, names, brokenOnly: true).pairs.allSatisfy { $0.from != "carol" },
                "a silent node is one flag in the broken view, not N-1 unknown pairs")
    }

    @Test("a node that polls without ever sending a report stays flagged no-report, and is asked for a full one each time (not counted)")
    func noReportWhilePolling() throws {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, ["alice", "bob"])
        for _ in 0..<3 {
            let r = m.ingest(reporter: "carol", report: nil, now: now)
            #expect(r.sendFull && r.ack == nil)
        }
        let v = view(m, names)
        #expect(try #require(v.nodes.first { $0.name == "carol" }).flags == [.noReport])
        #expect(view(m, names, brokenOnly: true).pairs.allSatisfy { $0.from != "carol" },
                "one flag, not carol's two unknown pairs")
        #expect(m.counters.reports == 2, "a poll without a report is not a report")
        #expect(m.counters.fullReportRequests == 0, "a node that never reports is asked every poll, but that is not counted")

        _ = m.ingest(reporter: "carol", report: HealthReport(seq: 1, full: true, entries: [up("alice"), up("bob")]), now: now)
        #expect(try #require(view(m, names).nodes.first { $0.name == "carol" }).flags.isEmpty)
        let r = m.ingest(reporter: "carol", report: nil, now: now)
        #expect(!r.sendFull, "once it has reported, a poll with nothing new keeps its baseline")
    }

    @Test("a node that leaves and comes back: its column is kept and correct, only it is asked for a full report")
    func rejoinKeepsColumn() throws {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, names, broken: [["carol", "alice"]])
        m.syncActive(version: "v2") { ["bob", "carol"] }
        #expect(m.snapshot().rows[try #require(m.snapshot().numbers["alice"])] == nil, "the departed node's own row is dropped")
        #expect(view(m, ["bob", "carol"]).pairs.allSatisfy { $0.from != "alice" && $0.to != "alice" })
        #expect(m.downPairCount() == 0, "carol's report on alice is hidden while alice is away")
        #expect(!m.ingest(reporter: "bob", report: nil, now: now).sendFull, "a node that left costs no full report")
        // carol notices alice heal while alice is away: applied, so carol's row stays what carol counts as delivered.
        _ = m.ingest(reporter: "carol", report: HealthReport(seq: 2, full: false, entries: [up("alice")]), now: now)
        m.syncActive(version: "v3") { names }
        for reporter in ["bob", "carol"] {
            #expect(!m.ingest(reporter: reporter, report: nil, now: now).sendFull,
                    "\(reporter)'s column on alice is what it counts as delivered: no full report needed")
        }
        #expect(m.counters.fullReportRequests == 0)
        #expect(m.ingest(reporter: "alice", report: nil, now: now).sendFull, "the returning node has no row, so no baseline")
        let before = view(m, names)
        #expect(before.pairs.filter { $0.to == "alice" }.allSatisfy { $0.state == .up }, "\(before.pairs.filter { $0.to == "alice" })")
        #expect(before.nodes.first { $0.name == "alice" }?.reachableBy == 2)
        _ = m.ingest(reporter: "alice", report: HealthReport(seq: 1, full: true, entries: [up("bob"), up("carol")]), now: now)
        let v = view(m, names)
        #expect(v.pairs.allSatisfy { $0.state == .up }, "\(v.pairs.filter { $0.state != .up })")
    }

    @Test("after a controller restart only a full report's first part is a baseline; a later part alone asks for a full report")
    func laterFullPartIsNoBaseline() {
        let m = matrix(["alice", "bob"])
        var r = m.ingest(reporter: "alice", report: HealthReport(seq: 11, full: true, fullStart: 10, entries: [up("bob")]), now: now)
        #expect(r.sendFull && r.ack == 11, "part 1 (seq 10) went to the controller before the restart")
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 12, full: true, fullStart: 12, entries: [up("bob")]), now: now)
        #expect(!r.sendFull)
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 13, full: true, fullStart: 12, entries: []), now: now)
        #expect(!r.sendFull, "a later part that follows on is fine")
        let old = matrix(["alice", "bob"])
        r = old.ingest(reporter: "alice", report: HealthReport(seq: 7, full: true, entries: [up("bob")]), now: now)
        #expect(!r.sendFull, "a node that predates fullStart: its full reports are taken as before")
    }

    @Test("sparse: up pairs are one Float each in the reporter's row; only broken pairs are objects")
    func sparseStorage() {
        let names = (0..<200).map { String(format: "n%03d", $0) }
        let m = matrix(names)
        report(m, names, broken: [["n000", "n001"], ["n005", "n007"]])
        let snap = m.snapshot()
        #expect(snap.rows.count == 200)
        #expect(snap.rows.values.reduce(0) { $0 + $1.exceptions.count } == 2, "exactly the two broken pairs are stored as objects")
        #expect(snap.rows.values.allSatisfy { $0.upRTT.count <= 200 }, "a row is at most one Float per node")
        #expect(MemoryLayout<Float>.stride == 4)
        _ = m.ingest(reporter: "n000", report: HealthReport(seq: 2, full: false, entries: [up("n001")]), now: now)
        #expect(m.snapshot().rows.values.reduce(0) { $0 + $1.exceptions.count } == 1, "healed pair goes back to a Float")
    }

    @Test("sequence: a full report sets the baseline, the next number and a resend follow on, a gap asks for a full report")
    func sequence() {
        let m = matrix(["alice", "bob"])
        var r = m.ingest(reporter: "alice", report: nil, now: now)
        #expect(r.sendFull && r.ack == nil, "no baseline yet: ask for a full report")
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 4, full: false, entries: [up("bob")]), now: now)
        #expect(r.sendFull && r.ack == 4, "a delta without a baseline is taken but a full report is asked for")
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 5, full: true, entries: [up("bob")]), now: now)
        #expect(!r.sendFull && r.ack == 5)
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 5, full: false, entries: [up("bob")]), now: now)
        #expect(!r.sendFull && r.ack == 5, "a resend after a lost answer is fine")
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 6, full: false, entries: [down("bob")]), now: now)
        #expect(!r.sendFull && r.ack == 6)
        r = m.ingest(reporter: "alice", report: nil, now: now)
        #expect(!r.sendFull && r.ack == nil)
        r = m.ingest(reporter: "alice", report: HealthReport(seq: 9, full: false, entries: []), now: now)
        #expect(r.sendFull, "a gap: reports were lost, the controller may have drifted")
    }

    @Test("reachable-by in the roster answer counts the peers that report the node up")
    func reachableByInReply() {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, names, broken: [["bob", "alice"]])
        let r = m.ingest(reporter: "alice", report: nil, now: now)
        #expect(r.reachableBy == 1 && r.peers == 2)
    }

    @Test("nodes that leave the active set lose their row; their column is hidden from views and counts; entries about unknown nodes are skipped")
    func inactiveDropped() {
        let names = ["alice", "bob", "carol"]
        let m = matrix(names)
        report(m, names)
        m.syncActive(version: "v2") { ["alice", "bob"] }
        let snap = m.snapshot()
        let carol = snap.numbers["carol"]!
        #expect(snap.rows[carol] == nil)
        _ = m.ingest(reporter: "alice", report: HealthReport(seq: 2, full: false, entries: [up("mallory"), down("carol"), up("alice")]), now: now)
        #expect(m.snapshot().numbers["mallory"] == nil, "a name from a report is never interned")
        #expect(m.snapshot().rows[snap.numbers["alice"]!]!.exceptions[carol]?.state == .down, "kept: what alice counts as delivered")
        #expect(view(m, ["alice", "bob"]).pairs.count == 2)
        #expect(m.downPairCount() == 0, "a pair with a node that is away is not counted")
        #expect(m.ingest(reporter: "bob", report: nil, now: now).reachableBy == 1, "carol's row is gone: only alice reaches bob")
        _ = m.ingest(reporter: "bob", report: HealthReport(seq: 2, full: false, entries: [down("alice")]), now: now)
        #expect(m.downPairCount() == 1)
        m.syncActive(version: "v3") { ["alice"] }
        #expect(m.downPairCount() == 0, "a pair with a node that left is not counted")
    }

    @Test("bad reports are refused with a reason naming the field: over the cap, duplicate or unknown peers, absurd RTT, duration or sequence")
    func validation() {
        let known: (String) -> Bool = { ["bob", "carol"].contains($0) }
        func check(_ report: HealthReport) throws(HealthReportError) -> HealthReport {
            try HealthReportIngest.validated(report, from: "alice", isKnown: known)
        }
        func refusal(_ report: HealthReport) -> String? {
            do throws(HealthReportError) { _ = try check(report); return nil } catch { return error.description }
        }
        func full(_ entries: [HealthReportEntry], seq: UInt64 = 1, fullStart: UInt64? = nil) -> HealthReport {
            HealthReport(seq: seq, full: true, fullStart: fullStart, entries: entries)
        }
        func down(_ peer: String, forSeconds: Double) -> HealthReportEntry {
            HealthReportEntry(peer: peer, state: .down, rttMs: nil, forSeconds: forSeconds, error: "x")
        }
        let many = (0...HealthReport.maxEntries).map { _ in up("bob") }
        #expect(refusal(full(many))?.contains("257 entries") == true)
        #expect(refusal(full([up("bob"), up("bob")]))?.contains("bob twice") == true)
        #expect(refusal(full([up("bob", -1)]))?.contains("rttMs") == true)
        #expect(refusal(full([up("bob", .infinity)]))?.contains("rttMs") == true)
        for absurd in [-5, 1e308, -1e308, .infinity, .nan] {
            #expect(refusal(full([down("bob", forSeconds: absurd)]))?.contains("forSeconds") == true, "forSeconds \(absurd)")
        }
        #expect(refusal(full([down("bob", forSeconds: HealthReportEntry.maxForSeconds)])) == nil)
        for seq: UInt64 in [0, HealthReport.maxSeq + 1, UInt64.max] {
            #expect(refusal(full([up("bob")], seq: seq))?.contains("seq \(seq)") == true, "seq \(seq)")
        }
        #expect(refusal(full([up("bob")], seq: HealthReport.maxSeq)) == nil)
        #expect(refusal(full([up("bob")], seq: 5, fullStart: 6))?.contains("fullStart 6") == true)
        #expect(refusal(full([up("bob")], seq: 5, fullStart: 0))?.contains("fullStart 0") == true)
        #expect(refusal(full([up("bob")], seq: 5, fullStart: 5)) == nil)
        #expect(refusal(full([up("carol"), up("zed")]))?.contains("peer 'zed' that is not a node of this network") == true)
        let hostile = String(repeating: "\u{1B}[2J", count: 1000)
        let badName = refusal(full([up("bob"), up(hostile)]))
        #expect(badName?.contains("entry 1's peer is not a node name") == true, "\(badName ?? "")")
        #expect(!(badName ?? "").contains("\u{1B}"), "the bad name is not echoed")

        let long = HealthReportEntry(peer: "bob", state: .down, rttMs: nil, forSeconds: 5, error: String(repeating: "e", count: 5000))
        let clean = try? check(full([long]))
        #expect(clean?.entries[0].error?.count == HealthReportIngest.maxErrorLength + 1)
        #expect(clean?.entries[0].forSeconds == 5)

        let escapes = HealthReportEntry(peer: "bob", state: .down, rttMs: nil, forSeconds: 1,
                                        error: "refused\u{1B}]0;owned\u{07}\u{1B}[2J\r\nnext\u{9B}31m \u{7F}ünï")
        let cleaned = try? check(full([escapes]))
        let error = cleaned?.entries[0].error ?? ""
        #expect(!error.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(error.debugDescription)")
        #expect(error == "refused ]0;owned  [2J  next 31m  ünï")
    }
}

@Suite struct MeshViewJSONTests {
    @Test("the streamed /v1/mesh JSON decodes to exactly the view JSONEncoder would give, escapes included")
    func streamedEqualsEncoded() throws {
        let names = ["alice", "bob", "carol", "dave"]
        let m = MeshMatrix()
        m.syncActive(version: "v1") { names }
        let now = Date(timeIntervalSince1970: 2_000_000)
        let nasty = "refused: \"quoted\" \\ back\nslash\ttab \u{1} ünïcode"
        for a in names where a != "dave" {
            let entries = names.filter { $0 != a }.map { b in
                a == "alice" && b == "bob"
                    ? HealthReportEntry(peer: b, state: .down, rttMs: 3.25, forSeconds: 30, error: nasty)
                    : HealthReportEntry(peer: b, state: .up, rttMs: 0.1234567, forSeconds: 60, error: nil)
            }
            _ = m.ingest(reporter: a, report: HealthReport(seq: 1, full: true, entries: entries), now: now)
        }
        let builder = MeshViewBuilder(snapshot: m.snapshot(), active: names.enumerated().map { .init(name: $1, overlayIP: "100.64.0.\($0 + 1)") })
        for brokenOnly in [false, true] {
            let expected = builder.build(rosterVersion: "v1", now: now, brokenOnly: brokenOnly)
            let bytes = MeshViewJSON.encode(builder, rosterVersion: "v1", now: now, brokenOnly: brokenOnly)
            let decoded = try OverlayJSON.decoder().decode(MeshView.self, from: Data(bytes))
            #expect(decoded == expected)
            #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: OverlayJSON.encode(expected), as: UTF8.self) + "\n",
                    "byte for byte the OverlayJSON dialect")
        }
    }
}

@Suite struct RosterBodyWithHealthTests {
    @Test("the health answer spliced into the shared roster body gives what JSONEncoder gives for the whole response")
    func spliceEqualsEncoding() {
        let nodes = [RosterEntry(name: "alpha", overlayIP: "100.64.0.1", endpoint: "198.18.0.2:7444", fingerprint: "ab")]
        let health = HealthReportReply(ack: 7, sendFull: false, reachableBy: 0, peers: 0)
        var body = OverlayJSON.encode(RosterResponse(version: "e-1", unchanged: false, nodes: nodes))
        body.append(0x0a)
        var expected = OverlayJSON.encode(RosterResponse(version: "e-1", unchanged: false, nodes: nodes, health: health))
        expected.append(0x0a)
        #expect(RosterBodyWithHealth.splice(health, into: body) == expected)
    }
}
