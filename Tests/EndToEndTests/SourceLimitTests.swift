import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    /// Per-source limits with real daemons. The loopback gives two sources:
    /// 127.0.0.2 misbehaves, the daemons and everyone else use 127.0.0.1.
    @Suite("per-source limits")
    struct SourceLimitTests {
        static let badToken = #"{"tokenID":"0000000000000000","nonce":"x","name":"mallory","csr":"x","proof":"x"}"#

        @Test("a token guesser meets 429 with Retry-After, logged once, while a node from another address enrolls without waiting")
        func tokenGuesserIsLimited() async throws {
            var settings = ClusterSettings()
            settings.controllerArguments = ["--enroll-rate", "3/min"]
            try await Cluster.with("limits-guess", settings: settings) { cluster in
                let controller = try await cluster.startController()
                for path in ["/v1/enroll", "/v1/enroll/nonce"] {
                    let out = try await LimitProbes.run(LimitProbes.hammer, ["127.0.0.2", controller.host, "\(controller.port)", path,
                                                                            path == "/v1/enroll" ? Self.badToken : "", "10"])
                    let codes = out[0].split(separator: " ").compactMap { Int($0) }
                    #expect(codes.count == 10, "\(out)")
                    #expect(codes.prefix(3).allSatisfy { $0 != 429 }, "\(path): three requests within the budget: \(codes)")
                    #expect(path != "/v1/enroll" || codes.prefix(3).allSatisfy { (400..<500).contains($0) }, "the bad token is refused: \(codes)")
                    #expect(codes.dropFirst(3).allSatisfy { $0 == 429 }, "\(path): the other seven are 429: \(codes)")
                    #expect(Int(out[1]).map { (1...20).contains($0) } == true, "Retry-After in whole seconds: \(out[1])")
                    #expect(out[2] == "rate_limited")
                }

                let alice = try await cluster.startNode("alice")
                #expect(!alice.log.contains("enrollment-retry"), "a node from 127.0.0.1 is not slowed: \(alice.log.suffix(600))")

                let metrics = try await MetricsTests.scrape(unixSocket: controller.socket)
                #expect(metrics.value("overlayd_controller_rate_limited_total", ["route": "/v1/enroll"]) == 7)
                #expect(metrics.value("overlayd_controller_rate_limited_total", ["route": "/v1/enroll/nonce"]) == 7)
                #expect(metrics.value("overlayd_controller_enrollments_total", ["result": "ok", "reason": "none"]) == 1)
                #expect(try await metrics.promtoolProblems() == nil)
                let lines = controller.process.stderrText.split(separator: "\n").filter { $0.contains("event=rate-limited") }
                #expect(lines.count == 1, "14 refusals, one line for the address: \(lines)")
                #expect(lines.first?.contains("address=127.0.0.2") == true)
            }
        }

        @Test("nodes enrolling behind an address that is over its limit (one NAT) wait as told by Retry-After and all get in")
        func nodesBehindOneAddressRetry() async throws {
            var settings = ClusterSettings()
            settings.controllerArguments = ["--enroll-rate", "2/6s"]
            try await Cluster.with("limits-nat", settings: settings) { cluster in
                let controller = try await cluster.startController()
                // Someone at the same address has just spent its budget.
                let out = try await LimitProbes.run(LimitProbes.hammer, ["127.0.0.1", controller.host, "\(controller.port)",
                                                                        "/v1/enroll/nonce", "", "4"])
                #expect(out[0] == "200 200 429 429", "\(out)")

                var nodes: [NodeHandle] = []
                for name in ["alice", "bob", "carol"] { nodes.append(try cluster.launchNode(name, token: try await cluster.token())) }
                for node in nodes {
                    try await eventually("\(node.name) enrolls and answers", limit: 120) {
                        if let t = node.process.termination { throw GiveUp("\(node.name) exited \(t): \(node.log.suffix(800))") }
                        guard try await node.ctl.nodeStatus().name == node.name else { throw NotYet("not \(node.name)") }
                    }
                }
                let retried = nodes.filter { $0.log.contains("event=enrollment-retry") }
                #expect(!retried.isEmpty, "the budget was spent, so at least one node was told to wait")
                for node in retried { #expect(node.log.contains("retry_in="), "the wait is logged: \(node.log.suffix(600))") }
                try await cluster.waitActive(["alice", "bob", "carol"])
            }
        }

        @Test("a node's peer listener: an address over peer-handshake-rate is closed before TLS, logged once; peers from elsewhere keep their mesh")
        func handshakeRate() async throws {
            try await Cluster.with("limits-handshake") { cluster in
                try await cluster.startController()
                let port = try freePort()
                let alice = try await cluster.startNode("alice", port: port, extraArguments: ["--peer-handshake-rate", "5/10m"])
                let bob = try await cluster.startNode("bob")
                try await cluster.waitFullMesh([alice, bob])

                let out = try await LimitProbes.run(LimitProbes.handshakes, ["127.0.0.2", "127.0.0.1", "\(port)", "12"])
                let outcomes = out[0].split(separator: " ")
                #expect(outcomes.prefix(5).allSatisfy { $0 == "answered" }, "five handshakes within the budget: \(outcomes)")
                #expect(outcomes.dropFirst(5).allSatisfy { $0 == "refused" }, "the rest closed before any TLS: \(outcomes)")

                try await cluster.waitFullMesh([alice, bob], pongsAfter: Date())
                let metrics = try await MetricsTests.scrape(unixSocket: alice.socket)
                #expect(metrics.value("overlayd_node_peer_connections_refused_total", ["reason": "handshake_rate"]) == 7)
                #expect(metrics.value("overlayd_node_peer_connections_refused_total", ["reason": "source_limit"]) == 0)
                #expect(try await metrics.promtoolProblems() == nil)
                try await eventually("alice logs the refusal") {
                    guard alice.log.contains("event=peer-handshake-limit") else { throw NotYet("no line yet") }
                }
                let lines = alice.log.split(separator: "\n").filter { $0.contains("event=peer-handshake-limit") }
                #expect(lines.count == 1 && lines[0].contains("127.0.0.2"), "\(lines)")
            }
        }

        @Test("a node's peer listener: an address with max-peer-connections-per-source open gets no more until one closes")
        func connectionsPerSource() async throws {
            try await Cluster.with("limits-conns") { cluster in
                try await cluster.startController()
                let port = try freePort()
                let carol = try await cluster.startNode("carol", port: port, extraArguments: ["--max-peer-connections-per-source", "2"])

                // carol has no peers: every connection it accepts is ours.
                let held = try (0..<2).map { _ in try HeldConnection(from: "127.0.0.2", to: "127.0.0.1", port: port) }
                defer { for c in held { c.close() } }
                try await eventually("carol has taken both held connections") {
                    let accepted = try await carol.ctl.nodeStatus().peerConnectionsAccepted
                    guard accepted >= 2 else { throw NotYet("accepted \(accepted)") }
                }
                let out = try await LimitProbes.run(LimitProbes.handshakes, ["127.0.0.2", "127.0.0.1", "\(port)", "3"])
                #expect(out[0] == "refused refused refused", "\(out)")
                let other = try await LimitProbes.run(LimitProbes.handshakes, ["127.0.0.1", "127.0.0.1", "\(port)", "1"])
                #expect(other[0] == "answered", "another address is served: \(other)")

                for c in held { c.close() }
                let freed = try await LimitProbes.run(LimitProbes.handshakes, ["127.0.0.2", "127.0.0.1", "\(port)", "1", "until-answered"])
                #expect(freed[0] != "never", "a place is free again once the held connections close")

                let metrics = try await MetricsTests.scrape(unixSocket: carol.socket)
                #expect(metrics.value("overlayd_node_peer_connections_refused_total", ["reason": "source_limit"]) ?? 0 >= 3)
                #expect(metrics.value("overlayd_node_peer_connections_refused_total", ["reason": "handshake_rate"]) == 0)
            }
        }
    }
}
