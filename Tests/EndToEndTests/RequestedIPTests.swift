import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("requested overlay IP")
    struct RequestedIPTests {
        @Test("--request-ip gets that address; a second node asking for it is refused and exits non-zero")
        func requestedIP() async throws {
            try await Cluster.with("request-ip") { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice", extraArguments: ["--request-ip", "100.64.7.7"])
                let roster = try await cluster.waitActive(["alice"])
                #expect(roster.nodes.first { $0.name == "alice" }?.overlayIP == "100.64.7.7")
                #expect(try await alice.ctl.nodeStatus().overlayIP == "100.64.7.7")

                let bob = try cluster.launchNode("bob", token: try await cluster.token(), extraArguments: ["--request-ip", "100.64.7.7"])
                let exit = try await bob.process.waitForExit(limit: 30)
                #expect(exit.code != 0)
                #expect(bob.log.contains("overlay IP 100.64.7.7 is already registered to alice"), "\(bob.log)")
            }
        }
    }
}
