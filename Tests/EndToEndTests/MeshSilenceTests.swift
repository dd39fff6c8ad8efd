import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// A node cut off from everyone stays active for the controller's active
    /// timeout; in that time its last health report must not be shown as the
    /// mesh now. Before: "bob reaches alice" (bob's stale report) and
    /// "UNREACHABLE BY PEERS: bob polls the controller", both false.
    @Suite("mesh view of a silent node", .enabled(if: getuid() == 0, "needs root for network namespaces"))
    struct MeshSilenceTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
            NetnsLab.Party(name: "carol", address: "198.18.0.4"),
        ]

        @Test("a cut-off node is shown as not reporting since its last poll, its stale word is not used, and no advice blames its firewall; it clears on heal")
        func cutOffNode() async throws {
            var settings = ClusterSettings()
            settings.rosterInterval = "1s"
            settings.pingInterval = "1s"
            settings.pingTimeout = "1s"
            settings.activeTimeout = "120s"
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("mesh-silence", settings: settings) { cluster in
                    let controller = try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    for party in Self.parties.dropFirst() {
                        try await cluster.startNode(party.name, host: party.address, port: 7444, namespace: try lab.namespace(party.name))
                    }
                    try await cluster.waitMesh(of: ["alice", "bob", "carol"])
                    let bobNS = try lab.namespace("bob")
                    _ = try await Netns.run(bobNS, ["ip", "link", "set", "eth0", "down"])
                    let view = try await cluster.waitMesh("bob is not reporting and alice and carol see him down") { view in
                        guard let bob = view.nodes.first(where: { $0.name == "bob" }), bob.flags.contains(.notReporting),
                              view.pairs.contains(where: { $0.from == "alice" && $0.to == "bob" && $0.state == .down }),
                              view.pairs.contains(where: { $0.from == "carol" && $0.to == "bob" && $0.state == .down }) else {
                            throw NotYet(describe(view))
                        }
                    }
                    let bob = try #require(view.nodes.first { $0.name == "bob" })
                    #expect(bob.silentSince != nil && bob.silentSince! < view.generatedAt, "\(bob)")
                    #expect(!bob.flags.contains(.unreachableByPeers), "bob does not poll: 'polls the controller' would be false")
                    #expect(!view.pairs.contains { $0.asymmetric }, "bob's stale 'up' is no evidence of a one-way failure: \(describe(view))")
                    #expect(view.pairs.filter { $0.from == "bob" }.allSatisfy { $0.state == .unknown }, "bob's own pairs are unknown now")
                    #expect(view.nodes.first { $0.name == "alice" }?.reachableBy == 1, "only carol's fresh word counts for alice")

                    let text = try await controller.ctl.run(["mesh"])
                    #expect(text.stdout.contains("NOT REPORTING: bob") && text.stdout.contains("check the host itself"), "\(text.stdout)")
                    #expect(!text.stdout.contains("UNREACHABLE BY PEERS: bob") && !text.stdout.contains("bob reaches"), "\(text.stdout)")

                    let metrics = try await EndToEnd.MetricsTests.scrape(unixSocket: controller.socket)
                    #expect(metrics.value("overlayd_controller_mesh_nodes_not_reporting") == 1)

                    _ = try await Netns.run(bobNS, ["ip", "link", "set", "eth0", "up"])
                    try await cluster.waitMesh("bob reports again") { view in
                        guard let bob = view.nodes.first(where: { $0.name == "bob" }), bob.flags.isEmpty, bob.silentSince == nil else {
                            throw NotYet(describe(view))
                        }
                    }
                }
            }
        }
    }
}
