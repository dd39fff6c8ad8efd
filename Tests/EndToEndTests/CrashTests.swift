import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    @Suite("crash")
    struct CrashTests {
        @Test("a node killed with SIGKILL drops out of the roster after the active timeout and goes down on the others")
        func sigkillDropsOutAfterTimeout() async throws {
            var settings = ClusterSettings()
            settings.activeTimeout = "3s"
            try await Cluster.with("crash", settings: settings) { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let carol = try await cluster.startNode("carol")
                try await cluster.waitActive(["alice", "bob", "carol"])
                try await cluster.waitFullMesh([alice, bob, carol])

                let exit = try await cluster.stop(carol, signal: SIGKILL)
                #expect(!exit.normalExit && exit.code == SIGKILL, "carol died of SIGKILL: \(exit)")

                // No leave message could be sent: the controller has to notice the silence.
                let entry = try await cluster.waitInactive("carol", limit: 30)
                #expect(entry.lastSeen != nil)
                let controllerLog = try cluster.requireController().process.stderrText
                #expect(!controllerLog.split(separator: "\n").contains { $0.contains("node left") && $0.contains("carol") },
                        "carol never said goodbye, so the controller logged no leave for it")

                try await cluster.waitPeer("carol", is: "down", on: [alice, bob], limit: 30)
                try await cluster.waitFullMesh([alice, bob], pongsAfter: Date())
                let status = try await cluster.requireController().ctl.controllerStatus()
                #expect(status.activeNodes == 2 && status.registeredNodes == 3, "\(status.activeNodes) active / \(status.registeredNodes) registered")
            }
        }
    }
}
