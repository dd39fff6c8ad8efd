import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Health reports over the real TLS API of a real controller, and the mesh
/// on both listeners.
@Suite("Health reports and /v1/mesh", .timeLimit(.minutes(5)))
struct HealthReportAPITests {
    func report(_ seq: UInt64, full: Bool, _ entries: [HealthReportEntry]) -> RosterRequest {
        RosterRequest(knownVersion: nil, advertise: nil, listenPort: 7000, health: HealthReport(seq: seq, full: full, entries: entries))
    }

    @Test("a report is acknowledged, the full roster answer carries the health answer, and the mesh shows it on both listeners")
    func acknowledgedAndShown() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let a = try controller.client(nodes[0]), b = try controller.client(nodes[1])
            let first = try await a.roster()
            #expect(first.health?.sendFull == true, "no baseline for alpha yet: \(String(describing: first.health))")
            _ = try await b.roster()

            let fromA = try await a.call(.POST, "/v1/roster", json: report(1, full: true, [
                HealthReportEntry(peer: "bravo", state: .down, rttMs: nil, forSeconds: 5, error: "connection refused by peer (nothing listening)"),
            ])).expect(RosterResponse.self)
            #expect(fromA.nodes?.count == 2, "full roster body, with the health answer spliced in")
            #expect(fromA.health == HealthReportReply(ack: 1, sendFull: false, reachableBy: 0, peers: 1))
            let fromB = try await b.call(.POST, "/v1/roster", json: report(1, full: true, [
                HealthReportEntry(peer: "alpha", state: .up, rttMs: 0.5, forSeconds: 60, error: nil),
            ])).expect(RosterResponse.self)
            #expect(fromB.health == HealthReportReply(ack: 1, sendFull: false, reachableBy: 0, peers: 1))
            let again = try await a.roster(knownVersion: fromA.version)
            #expect(again.unchanged && again.health?.reachableBy == 1, "bravo reports alpha up")
            #expect(again.health?.ack == nil && again.health?.sendFull == false)

            let viaControl = try await controller.control.call(.GET, "/v1/mesh").expect(MeshView.self)
            let viaTLS = try await b.call(.GET, "/v1/mesh").expect(MeshView.self)
            let alias = try await controller.control.call(.GET, "/mesh?broken=1").expect(MeshView.self)
            #expect(viaControl.pairs == viaTLS.pairs && viaControl.nodes == viaTLS.nodes)
            #expect(viaControl.pairs.map { "\($0.from)>\($0.to)=\($0.state)" } == ["alpha>bravo=down", "bravo>alpha=up"])
            let down = try #require(viaControl.pairs.first)
            #expect(down.asymmetric && down.lastError == "connection refused by peer (nothing listening)")
            #expect(alias.pairs == [down] && alias.nodes == viaControl.nodes)
            #expect(viaControl.nodes.map(\.flags) == [[.asymmetric], [.unreachableByPeers, .asymmetric]], "bravo: its only peer sees it down")
        }
    }

    @Test("without a node certificate /v1/mesh is refused; a bad query or a bad report gets a 400 and the controller keeps serving")
    func refusals() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let a = try controller.client(nodes[0])
            let anonymous = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)
            #expect(try await anonymous.call(.GET, "/v1/mesh").status == 401)
            let badQuery = try await controller.control.call(.GET, "/v1/mesh?broken=maybe")
            #expect(badQuery.status == 400 && badQuery.apiError?.message.contains("broken=maybe") == true, "\(badQuery)")

            let many = (0...HealthReport.maxEntries).map { HealthReportEntry(peer: "p\($0)", state: .up, rttMs: 1, forSeconds: 1, error: nil) }
            let tooMany = try await a.call(.POST, "/v1/roster", json: report(1, full: true, many))
            #expect(tooMany.status == 400 && tooMany.apiError?.error == "invalid_health_report", "\(tooMany)")
            #expect(tooMany.apiError?.message.contains("alpha") == true && tooMany.apiError?.message.contains("256") == true)
            let twice = try await a.call(.POST, "/v1/roster", json: report(1, full: true, [
                HealthReportEntry(peer: "bravo", state: .up, rttMs: 1, forSeconds: 1, error: nil),
                HealthReportEntry(peer: "bravo", state: .down, rttMs: nil, forSeconds: 1, error: "x"),
            ]))
            #expect(twice.status == 400 && twice.apiError?.message.contains("bravo twice") == true, "\(twice)")

            let fine = try await a.call(.POST, "/v1/roster", json: report(2, full: true, [])).expect(RosterResponse.self)
            #expect(fine.health?.ack == 2 && fine.health?.sendFull == false)
        }
    }
}
