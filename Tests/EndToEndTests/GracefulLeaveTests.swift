import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("graceful leave")
    struct GracefulLeaveTests {
        /// The active timeout is 60 s and every wait here gives up after 30 s, so a node seen
        /// inactive was taken off by its leave, not by the timeout.
        @Test("a node stopped with SIGTERM leaves the roster at once, goes down on the others, removes its socket and exits 0")
        func sigtermLeavesAtOnce() async throws {
            var settings = ClusterSettings()
            settings.activeTimeout = "60s"
            try await Cluster.with("leave", settings: settings) { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob")
                let carol = try await cluster.startNode("carol")
                try await cluster.waitActive(["alice", "bob", "carol"])
                try await cluster.waitFullMesh([alice, bob, carol])
                #expect(FileManager.default.fileExists(atPath: carol.socket))

                let exit = try await cluster.stop(carol)
                #expect(exit.normalExit && exit.code == 0, "carol exited \(exit) on SIGTERM; log: \(carol.log.suffix(800))")
                #expect(!FileManager.default.fileExists(atPath: carol.socket), "carol's control socket is removed on exit")
                #expect(carol.log.contains("left the active roster"), "carol told the controller it is leaving")

                let entry = try await cluster.waitInactive("carol", limit: 30)
                #expect(entry.overlayIP.hasPrefix("100.64."), "carol stays registered")
                let controllerLog = try cluster.requireController().process.stderrText
                #expect(controllerLog.split(separator: "\n").contains { $0.contains("node left") && $0.contains("carol") })

                try await cluster.waitPeer("carol", is: "down", on: [alice, bob], limit: 30)
                for node in [alice, bob] {
                    let carolSeen = try #require(try await node.ctl.peers().first { $0.name == "carol" })
                    #expect(carolSeen.lastError != nil, "\(node.name) says why carol is down")
                }
                // The others carry on between themselves.
                try await cluster.waitFullMesh([alice, bob], pongsAfter: Date())
                let listing = try await cluster.waitActive(["alice", "bob"])
                #expect(listing.nodes.filter(\.active).map(\.name).sorted() == ["alice", "bob"])
            }
        }
    }
}
