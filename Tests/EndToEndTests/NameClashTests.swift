import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("name clash")
    struct NameClashTests {
        @Test("a second node claiming a registered name exits non-zero with a clear error; the first keeps working")
        func secondAliceIsRefused() async throws {
            try await Cluster.with("clash") { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let carol = try await cluster.startNode("carol")
                let before = try await cluster.waitActive(["alice", "bob", "carol"])
                try await cluster.waitFullMesh([alice, bob, carol])

                // A fresh machine (own state directory and socket) with a valid token, asking for "alice".
                let impostor = try cluster.launchNode("alice", label: "alice-2", token: try await cluster.token())
                let exit = try await impostor.process.waitForExit(limit: 30)
                let stderr = impostor.process.stderrText
                #expect(exit.normalExit && exit.code != 0, "the second alice exits with an error status, got \(exit)")
                #expect(stderr.contains("already registered"), "stderr says why: \(stderr)")
                #expect(stderr.contains("alice"), "stderr names the name: \(stderr)")
                #expect(!FileManager.default.fileExists(atPath: impostor.socket), "the refused node left no control socket")
                let clashedAt = Date()

                // The first alice is untouched: still registered with her certificate, still up everywhere.
                #expect(alice.process.isRunning)
                let after = try await cluster.waitActive(["alice", "bob", "carol"])
                #expect(after.nodes.filter { $0.name == "alice" }.count == 1, "one alice: \(describe(after))")
                #expect(after.nodes.first { $0.name == "alice" }?.fingerprint == before.nodes.first { $0.name == "alice" }?.fingerprint)
                #expect(after.nodes.first { $0.name == "alice" }?.overlayIP == before.nodes.first { $0.name == "alice" }?.overlayIP)
                try await cluster.waitFullMesh([alice, bob, carol], pongsAfter: clashedAt)
                let status = try await alice.ctl.nodeStatus()
                #expect(status.controllerReachable)
            }
        }
    }
}
