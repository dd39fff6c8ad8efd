import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("network namespaces")
    struct NamespaceTests {
        /// Each party in its own network namespace on a bridge, 198.18.0.0/24 only. The control
        /// sockets live on the shared filesystem, so overlayctl runs from the test's namespace.
        @Test("controller and three nodes in separate namespaces: all pairs up; a SIGTERM'd node goes down on the others",
              .enabled(if: getuid() == 0, "needs root for ip netns"))
        func coreScenarioAcrossNamespaces() async throws {
            let parties = [
                NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
                NetnsLab.Party(name: "alice", address: "198.18.0.2"),
                NetnsLab.Party(name: "bob", address: "198.18.0.3"),
                NetnsLab.Party(name: "carol", address: "198.18.0.4"),
            ]
            try await NetnsLab.with(parties) { lab in
                try await Cluster.with("netns") { cluster in
                    // Fixed ports are fine: every namespace has its own.
                    try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    var nodes: [NodeHandle] = []
                    for party in parties.dropFirst() {
                        nodes.append(try await cluster.startNode(party.name, host: party.address, port: 7444,
                                                                 namespace: try lab.namespace(party.name)))
                    }
                    let listing = try await cluster.waitActive(nodes.map(\.name))
                    for party in parties.dropFirst() {
                        let entry = try #require(listing.nodes.first { $0.name == party.name })
                        #expect(entry.endpoint == "\(party.address):7444", "\(party.name) is reached in its namespace: \(entry.endpoint ?? "-")")
                    }
                    try await cluster.waitFullMesh(nodes)

                    let carol = nodes[2]
                    let exit = try await cluster.stop(carol)
                    #expect(exit.normalExit && exit.code == 0, "carol exited \(exit)")
                    #expect(!FileManager.default.fileExists(atPath: carol.socket))
                    try await cluster.waitInactive("carol")
                    try await cluster.waitPeer("carol", is: "down", on: Array(nodes.prefix(2)))
                    try await cluster.waitFullMesh(Array(nodes.prefix(2)), pongsAfter: Date())
                }
            }
        }
    }
}
