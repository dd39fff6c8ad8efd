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
            #expect(viaControl.pairs.map { "\($0.from)>\($0.to)=\($0.state)" } == ["alpha>bravo=down", "bravo>alpha=up"])
            let down = try #require(viaControl.pairs.first)
            #expect(down.asymmetric && down.lastError == "connection refused by peer (nothing listening)")
            #expect(alias.pairs == [down] && alias.nodes == viaControl.nodes)
            #expect(viaTLS.pairs == [down] && viaTLS.nodes == viaControl.nodes, "over TLS, any node gets the summaries and the broken pairs only")
            let wholeOverTLS = try await b.call(.GET, "/v1/mesh?broken=0")
            #expect(wholeOverTLS.status == 400 && wholeOverTLS.apiError?.error == "whole_mesh_not_served", "\(wholeOverTLS)")
            #expect(wholeOverTLS.apiError?.message.contains("overlayctl mesh") == true)
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

    /// Sends `health` as the report of a roster request from `client`, raw JSON.
    func raw(_ health: String, from client: NodeClient) async throws -> (status: Int, error: APIError?) {
        let reply = try await client.call(.POST, "/v1/roster", body: Array(#"{"listenPort":7000,"health":\#(health)}"#.utf8))
        return (reply.status, reply.apiError)
    }

    /// A full report with one entry about bravo holding `fields`.
    func entry(_ fields: String) -> String { #"{"seq":1,"full":true,"entries":[{"peer":"bravo",\#(fields)}]}"# }

    @Test("a report with a malformed field is refused naming the field by its path")
    func malformedFieldsAreNamed() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let a = try controller.client(nodes[0])
            let malformed: [(String, String)] = [
                (#"{"seq":-1,"full":true,"entries":[]}"#, "'health.seq'"),
                (#"{"seq":18446744073709551616,"full":true,"entries":[]}"#, "'health.seq'"),
                (#"{"seq":"one","full":true,"entries":[]}"#, "'health.seq'"),
                (entry(#""state":"sideways""#), "'health.entries[0].state'"),
                (entry(#""state":"up","rttMs":"fast""#), "'health.entries[0].rttMs'"),
                (entry(#""state":"up","rttMs":1e400"#), "'health.entries[0].rttMs'"),
                (#"{"seq":1,"full":true,"entries":[{"state":"up"}]}"#, "'health.entries[0].peer'"),
            ]
            for (health, field) in malformed {
                let r = try await raw(health, from: a)
                #expect(r.status == 400 && r.error?.error == "malformed_request", "\(health): \(r)")
                #expect(r.error?.message.contains(field) == true, "\(health): \(r.error?.message ?? "")")
            }
            let port = try await a.call(.POST, "/v1/roster", body: Array(#"{"listenPort":18446744073709551616}"#.utf8))
            #expect(port.status == 400 && port.apiError?.message.contains("'listenPort'") == true, "\(port)")
        }
    }

    @Test("a report with absurd values or an unknown peer is refused naming the field, and nothing of it is stored")
    func absurdReportsAreRefusedNotStored() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let a = try controller.client(nodes[0])
            _ = try await controller.client(nodes[1]).roster()
            let absurd: [(String, String)] = [
                (entry(#""state":"down","forSeconds":1e308"#), "forSeconds"),
                (entry(#""state":"down","forSeconds":-1e308"#), "forSeconds"),
                (entry(#""state":"up","rttMs":-3"#), "rttMs"),
                (#"{"seq":18446744073709551615,"full":true,"entries":[]}"#, "seq 18446744073709551615"),
                (#"{"seq":0,"full":true,"entries":[]}"#, "seq 0"),
                (#"{"seq":3,"full":true,"fullStart":9,"entries":[]}"#, "fullStart 9"),
                (#"{"seq":1,"full":true,"entries":[{"peer":"zed","state":"down"}]}"#, "'zed'"),
            ]
            for (health, says) in absurd {
                let r = try await raw(health, from: a)
                #expect(r.status == 400 && r.error?.error == "invalid_health_report", "\(health): \(r)")
                #expect(r.error?.message.contains(says) == true, "\(health): \(r.error?.message ?? "")")
            }
            let mesh = try await controller.control.call(.GET, "/v1/mesh").expect(MeshView.self)
            #expect(mesh.pairs.allSatisfy { $0.from != "alpha" || $0.state == .unknown }, "nothing alpha sent was stored: \(mesh.pairs)")
            #expect(!mesh.nodes.contains { $0.name == "zed" })

            // alpha is still served, and a sane report is taken.
            let fine = try await a.call(.POST, "/v1/roster", json: report(1, full: true, [
                HealthReportEntry(peer: "bravo", state: .down, rttMs: nil, forSeconds: 5, error: "timeout"),
            ])).expect(RosterResponse.self)
            #expect(fine.health?.ack == 1)
            let after = try await controller.control.call(.GET, "/v1/mesh").expect(MeshView.self)
            #expect(after.pairs.contains { $0.from == "alpha" && $0.to == "bravo" && $0.state == .down })
        }
    }

    @Test("above 40 active nodes the status page's status.json holds the node summaries and only the pairs that are not up, at most 1000",
          .enabled(if: Binaries.tool("curl") != nil, "needs curl"))
    func statusPageOfALargeNetwork() async throws {
        let statusPort = try ControllerProcess.freePort()
        // 41 nodes enroll from 127.0.0.1 at once: more than the default enroll-rate lets one address do.
        try await withController(.init(extraArguments: ["--status-listen", "127.0.0.1:\(statusPort)", "--enroll-rate", "100/min"])) { controller in
            let names = (0...MeshView.gridMaxNodes).map { String(format: "n%02d", $0) }
            let (token, _) = try await controller.control.createToken(uses: names.count)
            var clients: [NodeClient] = []
            for name in names { clients.append(try controller.client(try await controller.enrollment(token).enroll(name))) }
            for client in clients { _ = try await client.roster() }
            for (i, client) in clients.enumerated() {
                let entries = names.filter { $0 != names[i] }.map { peer in
                    i == 0 && peer == names[1]
                        ? HealthReportEntry(peer: peer, state: .down, rttMs: nil, forSeconds: 5, error: "connection refused by peer")
                        : HealthReportEntry(peer: peer, state: .up, rttMs: 0.5, forSeconds: 60, error: nil)
                }
                _ = try await client.call(.POST, "/v1/roster", json: report(1, full: true, entries)).expect(RosterResponse.self)
            }
            let fetched = try await ChildProcess.run(Binaries.tool("curl")!, ["-sS", "--max-time", "60", "http://127.0.0.1:\(statusPort)/status.json"],
                                                     in: controller.dir, tag: "status-json")
            let snapshot = try OverlayJSON.decoder().decode(StatusPageSnapshot.self, from: Data(fetched.stdout.utf8))
            #expect(snapshot.meshBrokenOnly)
            #expect(snapshot.network.activeNodes == 41 && snapshot.mesh.nodes.count == 41)
            #expect(snapshot.mesh.pairs.map { "\($0.from)>\($0.to)=\($0.state)" } == ["n00>n01=down"], "not 41·40 pairs")
            #expect(snapshot.mesh.nodes.first { $0.name == "n01" }?.reachableBy == 39)
            #expect(snapshot.mesh.brokenPairsOmitted == nil)

            // Every node loses every peer: 41·40 = 1640 broken pairs. status.json and the TLS API give the first
            // 1000 and how many more; the control socket gives them all.
            for (i, client) in clients.enumerated() {
                let entries = names.filter { $0 != names[i] }.map {
                    HealthReportEntry(peer: $0, state: .down, rttMs: nil, forSeconds: 5, error: "timeout")
                }
                _ = try await client.call(.POST, "/v1/roster", json: report(2, full: false, entries)).expect(RosterResponse.self)
            }
            let all = try await controller.control.call(.GET, "/v1/mesh?broken=1").expect(MeshView.self)
            #expect(all.pairs.count == 41 * 40 && all.brokenPairsOmitted == nil)
            let partitioned = try await ChildProcess.run(Binaries.tool("curl")!, ["-sS", "--max-time", "60", "http://127.0.0.1:\(statusPort)/status.json"],
                                                         in: controller.dir, tag: "status-json-partitioned")
            let capped = try OverlayJSON.decoder().decode(StatusPageSnapshot.self, from: Data(partitioned.stdout.utf8)).mesh
            #expect(capped.pairs.count == MeshView.brokenPairsMax && capped.brokenPairsOmitted == 41 * 40 - MeshView.brokenPairsMax)
            #expect(capped.pairs.map(\.to) == all.pairs.prefix(MeshView.brokenPairsMax).map(\.to))
            let viaTLS = try await clients[0].call(.GET, "/v1/mesh").expect(MeshView.self)
            #expect(viaTLS.pairs.count == MeshView.brokenPairsMax && viaTLS.brokenPairsOmitted == 640)
            #expect(viaTLS.nodes.allSatisfy { $0.reachableBy == 0 }, "the summaries still count every pair")

            // The page renders the capped list and says how many more (headless Chromium, when installed).
            if let chromium = Binaries.tool("chromium") {
                let dom = try await ChildProcess.run(chromium, [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                    "--user-data-dir=\(controller.dir.path)/chromium", "--virtual-time-budget=4000",
                    "--dump-dom", "http://127.0.0.1:\(statusPort)/"], in: controller.dir, tag: "chromium").stdout
                #expect(dom.components(separatedBy: "<li class=\"pair down\"").count - 1 == MeshView.brokenPairsMax, "\(dom.prefix(2000))")
                #expect(dom.contains("data-omitted=\"640\"") && dom.contains("… and 640 more"), "\(dom.suffix(2000))")
            }
        }
    }
}
