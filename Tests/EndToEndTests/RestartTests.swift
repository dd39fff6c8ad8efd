import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("restart")
    struct RestartTests {
        @Test("a restarted node rejoins without a token, with the same overlay IP and certificate")
        func restartKeepsIdentity() async throws {
            try await Cluster.with("restart") { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let carol = try await cluster.startNode("carol")
                let before = try await cluster.waitActive(["alice", "bob", "carol"])
                try await cluster.waitFullMesh([alice, bob, carol])
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
            }
        }
    }
}
