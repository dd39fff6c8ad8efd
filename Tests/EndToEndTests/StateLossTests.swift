import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    /// controller.db deleted with the CA files kept: the controller refuses to
    /// start an empty registry (which would give live nodes' addresses to new
    /// ones), and `--recover-registry` rebuilds the registry from the
    /// certificates nodes present while holding new enrollments back.
    @Suite("state loss")
    struct StateLossTests {
        @Test("a deleted controller.db stops the controller with what happened and what to do; --recover-registry re-registers the nodes as they poll and reuses no identity")
        func deletedDatabase() async throws {
            try await Cluster.with("state-loss") { cluster in
                let controller = try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let before = try await cluster.waitActive(["alice", "bob"])
                let ips = Dictionary(uniqueKeysWithValues: before.nodes.map { ($0.name, $0.overlayIP) })
                _ = try await cluster.stopController()
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: controller.stateDir + "/controller.db" + suffix) }

                // What the operator sees: a refusal, not a new empty network.
                let refused = try cluster.relaunchController()
                let exit = try await refused.waitForExit()
                #expect(exit.normalExit && exit.code == 65, "\(exit)")
                let words = refused.stderrText
                #expect(words.contains("holds no registry") && words.contains("Restore controller.db from a backup")
                        && words.contains("--recover-registry"), "\(words)")
                #expect(!words.contains("ca-adopted"), "a lost database is not an operator's CA: \(words)")

                try await cluster.restartController(extraArguments: ["--recover-registry"])
                let status = try await controller.ctl.controllerStatus()
                #expect(status.registryRecoveryUntil != nil)
                // Nothing is registered until the nodes poll; then each is back with its own name and address.
                try await eventually("alice and bob are registered again from their certificates", limit: 60) {
                    let roster = try await controller.ctl.roster()
                    let now = Dictionary(uniqueKeysWithValues: roster.nodes.map { ($0.name, $0.overlayIP) })
                    guard now == ips, roster.nodes.allSatisfy(\.active) else { throw NotYet("\(roster.nodes)") }
                }
                #expect(controller.process.stderrText.contains("node-recovered"))
                let text = try await controller.ctl.run(["status"])
                #expect(text.stdout.contains("REBUILDING THE REGISTRY"), "\(text)")

                // A new node cannot enroll while an old certificate may still hold the address it would get.
                let carol = try cluster.launchNode("carol", token: try await cluster.token())
                let carolExit = try await carol.process.waitForExit(limit: 60)
                #expect(carolExit.code != 0 && carol.process.stderrText.contains("rebuilding its registry"), "\(carol.process.stderrText)")

                // Rotating and retiring the CA ends the recovery: no certificate from before the loss is valid any more.
                #expect(try await controller.ctl.run(["ca", "rotate"]).succeeded)
                try await eventually("alice and bob have moved onto the new CA", limit: 60) {
                    let retired = try await controller.ctl.run(["ca", "retire"])
                    guard retired.succeeded else { throw NotYet("\(retired)") }
                }
                #expect(try await controller.ctl.controllerStatus().registryRecoveryUntil == nil)
                let dave = try await cluster.startNode("dave")
                let daveIP = try await dave.ctl.nodeStatus().overlayIP
                #expect(!ips.values.contains(daveIP), "dave got \(daveIP), an address alice or bob holds")
                _ = try await cluster.waitActive(["alice", "bob", "dave"])
                for node in [alice, bob] {
                    try await eventually("\(node.name) sees dave") {
                        guard try await node.ctl.peers().contains(where: { $0.name == "dave" && $0.state == "up" }) else { throw NotYet("") }
                    }
                }
            }
        }
    }
}
