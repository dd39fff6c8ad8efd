import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("mesh view")
    struct MeshViewTests {
        @Test("four nodes: the controller's mesh shows all 12 ordered pairs up, each node is reachable by 3/3, and a quiet network's polls carry no per-peer entries beyond the periodic full report (at the default RTT floor, only a few)")
        func fourNodesAllUpAndQuiet() async throws {
            try await Cluster.with("meshview") { cluster in
                try await cluster.startController()
                // RTT moves on a loaded test machine would be real deltas; a high floor leaves only state changes,
                // so "quiet" for alice and bob means nothing changed at all. Carol and dave keep the default floor
                // (1 ms / 25 %): RTT noise may send a few entries, but far from one per peer per poll.
                let quiet = ["--report-rtt-floor", "1h"]
                let defaultFloor = ["carol", "dave"]
                var nodes: [NodeHandle] = []
                for name in ["alice", "bob", "carol", "dave"] {
                    nodes.append(try await cluster.startNode(name, extraArguments: defaultFloor.contains(name) ? [] : quiet))
                }
                let names = nodes.map(\.name)

                let view = try await cluster.waitMesh(of: names)
                #expect(view.pairs.allSatisfy { $0.rttMs != nil && !$0.asymmetric })
                #expect(view.nodes.map(\.name) == names.sorted())
                #expect(view.nodes.allSatisfy { $0.reachableBy == 3 && $0.reaches == 3 && $0.peers == 3 && $0.flags.isEmpty },
                        "\(describe(view))")
                #expect(try await cluster.requireController().ctl.mesh(brokenOnly: true).pairs.isEmpty)

                for node in nodes {
                    try await eventually("\(node.name) hears from the controller that 3/3 peers reach it") {
                        let s = try await node.ctl.nodeStatus()
                        guard s.reachableBy == 3, s.reachablePeers == 3 else { throw NotYet("reachable by \(s.reachableBy ?? -1)/\(s.reachablePeers ?? -1)") }
                    }
                    let text = try await node.ctl.run(["status"])
                    #expect(text.stdout.contains("reachable:   by 3/3 peers"), "\(text)")
                }

                let grid = try await cluster.requireController().ctl.run(["mesh", "--ascii"])
                #expect(grid.succeeded, "\(grid)")
                let rows = grid.stdout.split(separator: "\n").filter { line in names.contains { line.hasPrefix($0 + " ") } }
                #expect(rows.count == 4, "one grid row per node: \(grid.stdout)")
                #expect(rows.allSatisfy { row in
                    let cells = row.split(separator: " ").dropFirst()
                    return cells.filter { $0 == "o" }.count == 3 && cells.filter { $0 == "." }.count == 1
                }, "\(grid.stdout)")
                #expect(grid.stdout.contains("no pair is down"))

                // Quiet: over at least 10 more polls, no entry outside a full report, and at most one full report
                // (they come every 30 polls; a resend after a lost answer would be a second report of it).
                var before: [String: NodeStatus] = [:]
                for node in nodes { before[node.name] = try await node.ctl.nodeStatus() }
                for node in nodes {
                    let start = try #require(before[node.name])
                    let after = try await eventually("\(node.name) polls 10 more times") {
                        let s = try await node.ctl.nodeStatus()
                        guard s.rosterPolls >= start.rosterPolls + 10 else { throw NotYet("\(s.rosterPolls) polls") }
                        return s
                    }
                    let a = try #require(after.healthReports), b = try #require(start.healthReports)
                    let polls = after.rosterPolls - start.rosterPolls
                    let fullEntries = 2 * 3   // a full report's 3 entries, resent at most once
                    if defaultFloor.contains(node.name) {
                        // RTT changes after every 1 s PING; without the floor each 1 s poll would carry all 3 peers.
                        #expect(a.deltaEntries - b.deltaEntries <= polls * 3 / 2,
                                "\(node.name): \(polls) polls carried \(a.deltaEntries - b.deltaEntries) delta entries: \(b) → \(a)")
                        #expect(a.fullReports - b.fullReports <= 1 && a.entries - b.entries <= fullEntries + polls * 3 / 2, "\(node.name): \(b) → \(a)")
                    } else {
                        #expect(a.deltaEntries == b.deltaEntries, "\(node.name): no change, no entries: \(b) → \(a)")
                        #expect(a.reports - b.reports <= 2 && a.fullReports - b.fullReports <= 1,
                                "\(node.name): \(polls) polls carried \(a.reports - b.reports) reports: \(b) → \(a)")
                        #expect(a.entries - b.entries <= fullEntries, "\(node.name): only a full report's entries")
                    }
                }
            }
        }

        /// Alice cannot open (or keep) a connection to bob's peer port; bob still reaches alice. Then dave's
        /// peer port is closed to everyone while dave keeps polling the controller.
        @Test("one-way block: exactly that pair is down and asymmetric, then heals; a node nobody can reach is unreachable by peers",
              .enabled(if: getuid() == 0, "needs root for ip netns and nft"))
        func oneWayBlockAndUnreachable() async throws {
            let parties = [
                NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
                NetnsLab.Party(name: "alice", address: "198.18.0.2"),
                NetnsLab.Party(name: "bob", address: "198.18.0.3"),
                NetnsLab.Party(name: "carol", address: "198.18.0.4"),
                NetnsLab.Party(name: "dave", address: "198.18.0.5"),
            ]
            let peerPort = 7444
            try await NetnsLab.with(parties) { lab in
                var settings = ClusterSettings()
                settings.pingTimeout = "3s"
                try await Cluster.with("meshblock", settings: settings) { cluster in
                    try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    var nodes: [NodeHandle] = []
                    for party in parties.dropFirst() {
                        nodes.append(try await cluster.startNode(party.name, host: party.address, port: peerPort,
                                                                 namespace: try lab.namespace(party.name)))
                    }
                    let names = nodes.map(\.name)
                    try await cluster.waitMesh(of: names)
                    let ctl = try cluster.requireController().ctl

                    // alice → bob only: bob drops TCP from alice to its peer port, established packets included.
                    let bobWall = NamespaceFirewall(namespace: try lab.namespace("bob"))
                    try bobWall.block(tcpPort: peerPort, from: "198.18.0.2")
                    let blocked = try await cluster.waitMesh(of: names, down: [["alice", "bob"]])
                    let pair = try #require(blocked.pairs.first { $0.from == "alice" && $0.to == "bob" })
                    #expect(pair.asymmetric, "bob still reaches alice: \(describe(blocked))")
                    #expect(pair.lastError != nil && pair.since != nil)
                    #expect(blocked.pairs.filter(\.asymmetric).count == 1)
                    let flagged = blocked.nodes.filter { $0.flags.contains(.asymmetric) }.map(\.name)
                    #expect(flagged == ["alice", "bob"])
                    #expect(blocked.nodes.allSatisfy { !$0.flags.contains(.unreachableByPeers) })
                    #expect(blocked.nodes.first { $0.name == "bob" }?.reachableBy == 2)
                    try await eventually("the broken-only view lists alice→bob alone") {
                        let broken = try await ctl.mesh(brokenOnly: true)
                        guard broken.pairs.map({ "\($0.from)→\($0.to)" }) == ["alice→bob"], broken.nodes.count == 4 else {
                            throw NotYet(describe(broken))
                        }
                    }
                    let text = try await ctl.run(["mesh"])
                    #expect(text.stdout.contains("alice cannot reach bob, but bob reaches alice"), "\(text.stdout)")
                    // The large-network form: per-node summary and the exact broken pairs.
                    let summary = try await ctl.run(["mesh", "--broken", "--ascii"])
                    #expect(summary.stdout.contains("REACHABLE BY"), "\(summary.stdout)")
                    #expect(summary.stdout.split(separator: "\n").contains { $0.hasPrefix("bob ") && $0.contains("2/3") && $0.contains("asymmetric") },
                            "\(summary.stdout)")
                    #expect(summary.stdout.contains("alice -> bob"), "\(summary.stdout)")

                    try bobWall.clear()
                    try await cluster.waitMesh(of: names)

                    // dave: nobody reaches its peer port; it still polls the controller and reaches everyone.
                    let daveWall = NamespaceFirewall(namespace: try lab.namespace("dave"))
                    try daveWall.block(tcpPort: peerPort)
                    let isolated = try await cluster.waitMesh(of: names, down: [["alice", "dave"], ["bob", "dave"], ["carol", "dave"]])
                    let dave = try #require(isolated.nodes.first { $0.name == "dave" })
                    #expect(dave.flags.contains(.unreachableByPeers), "\(describe(isolated))")
                    #expect(dave.reachableBy == 0 && dave.reaches == 3)
                    #expect(isolated.nodes.filter { $0.flags.contains(.unreachableByPeers) }.map(\.name) == ["dave"])
                    let roster = try await ctl.roster()
                    #expect(roster.nodes.first { $0.name == "dave" }?.active == true, "unreachable by peers, yet active")
                    let daveNode = try #require(nodes.first { $0.name == "dave" })
                    try await eventually("dave hears that no peer reaches it") {
                        let s = try await daveNode.ctl.nodeStatus()
                        guard s.reachableBy == 0 else { throw NotYet("reachable by \(s.reachableBy ?? -1)") }
                    }
                    let daveText = try await ctl.run(["mesh"])
                    #expect(daveText.stdout.contains("UNREACHABLE BY PEERS: dave"), "\(daveText.stdout)")

                    try daveWall.clear()
                    try await cluster.waitMesh(of: names)
                }
            }
        }

        @Test("after a controller restart the mesh is rebuilt from the nodes' full reports")
        func rebuiltAfterControllerRestart() async throws {
            try await Cluster.with("meshrestart") { cluster in
                try await cluster.startController()
                var nodes: [NodeHandle] = []
                for name in ["alice", "bob", "carol"] { nodes.append(try await cluster.startNode(name)) }
                let names = nodes.map(\.name)
                try await cluster.waitMesh(of: names)
                var fullBefore: [String: Int] = [:]
                for node in nodes { fullBefore[node.name] = try await node.ctl.nodeStatus().healthReports?.fullReports ?? 0 }

                try await cluster.stopController()
                try await cluster.restartController()
                let view = try await cluster.waitMesh(of: names)
                #expect(view.nodes.allSatisfy { $0.flags.isEmpty && $0.reachableBy == 2 }, "\(describe(view))")
                for node in nodes {
                    let after = try await node.ctl.nodeStatus().healthReports?.fullReports ?? 0
                    #expect(after > fullBefore[node.name] ?? 0, "\(node.name) sent a full report when the new controller asked")
                }
            }
        }
}
}
