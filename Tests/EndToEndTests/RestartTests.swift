import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("restart")
    struct RestartTests {
        @Test("a restarted node rejoins without a token, with the same overlay IP and certificate; nobody is asked for a full health report")
        func restartKeepsIdentity() async throws {
            let metricsPort = try freePort()
            var settings = ClusterSettings()
            settings.controllerArguments = ["--metrics-listen", "127.0.0.1:\(metricsPort)"]
            try await Cluster.with("restart", settings: settings) { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let carol = try await cluster.startNode("carol")
                let before = try await cluster.waitActive(["alice", "bob", "carol"])
                try await cluster.waitFullMesh([alice, bob, carol])
                let fullRequestsBefore = try await Self.fullReportRequests(metricsPort)
                let aliceBefore = try #require(before.nodes.first { $0.name == "alice" })
                let statusBefore = try await alice.ctl.nodeStatus()

                let exit = try await cluster.stop(alice)
                #expect(exit.normalExit && exit.code == 0)
                try await cluster.waitInactive("alice")
                try await cluster.waitPeer("alice", is: "down", on: [bob, carol])

                let restartedAt = Date()
                try await cluster.restart(alice)  // no --join-token: the state directory is enough
                #expect(!alice.process.arguments.contains("--join-token"))
                let enrollments = alice.log.split(separator: "\n").filter { $0.contains("enrolling") }
                #expect(enrollments.count == 1, "alice enrolled once, on her first start only: \(enrollments)")

                let after = try await cluster.waitActive(["alice", "bob", "carol"])
                let aliceAfter = try #require(after.nodes.first { $0.name == "alice" })
                #expect(aliceAfter.overlayIP == aliceBefore.overlayIP)
                #expect(aliceAfter.fingerprint == aliceBefore.fingerprint)
                #expect(aliceAfter.registeredAt == aliceBefore.registeredAt)
                #expect(after.nodes.count == 3, "no second registration: \(describe(after))")

                let statusAfter = try await alice.ctl.nodeStatus()
                #expect(statusAfter.overlayIP == statusBefore.overlayIP)
                #expect(statusAfter.startedAt > statusBefore.startedAt)

                let mesh = try await cluster.waitFullMesh([alice, bob, carol], pongsAfter: restartedAt)
                for node in [bob, carol] {
                    let seen = try #require(mesh[node.name]?.first { $0.name == "alice" })
                    #expect(seen.overlayIP == aliceBefore.overlayIP, "\(node.name) knows alice by the same IP")
                }

                // The controller's mesh is whole again, from alice's own first (full) report and bob's and carol's
                // changes about her: a restart costs no other node a full report.
                let ctl = try cluster.requireController().ctl
                try await eventually("the controller's mesh shows all 6 pairs up", limit: 60) {
                    let view = try await ctl.json(MeshView.self, ["mesh", "--json"])
                    guard view.pairs.count == 6, view.pairs.allSatisfy({ $0.state == .up }) else {
                        throw NotYet(view.pairs.filter { $0.state != .up }.map { "\($0.from)→\($0.to)=\($0.state)" }.joined(separator: " "))
                    }
                }
                #expect(try await Self.fullReportRequests(metricsPort) == fullRequestsBefore)
            }
        }

        static func fullReportRequests(_ port: Int) async throws -> Double {
            let scrape = try await HTTPFetch.get("http://127.0.0.1:\(port)/metrics")
            return try #require(PrometheusText(scrape.body).value("overlayd_controller_health_full_report_requests_total"))
        }
    }
}
