import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("mesh")
    struct MeshTests {
        @Test("controller and three nodes: all registered and active, every ordered pair up with an RTT",
              arguments: ["persistent", "per-round"])
        func fullMesh(peerConnections: String) async throws {
            try await Cluster.with("mesh") { cluster in
                try await cluster.startController()
                let mode = ["--peer-connections", peerConnections]
                let nodes = [
                    try await cluster.startNode("alice", extraArguments: mode),
                    try await cluster.startNode("bob", extraArguments: mode),
                    try await cluster.startNode("carol", extraArguments: mode),
                ]

                let listing = try await cluster.waitActive(["alice", "bob", "carol"])
                #expect(listing.nodes.count == 3)
                #expect(Set(listing.nodes.map(\.overlayIP)).count == 3, "overlay IPs are distinct: \(describe(listing))")
                for entry in listing.nodes {
                    #expect(entry.overlayIP.hasPrefix("100.64."), "\(entry.name) has \(entry.overlayIP) from 100.64.0.0/16")
                    #expect(entry.endpoint?.hasPrefix("127.0.0.1:") == true, "\(entry.name) advertises \(entry.endpoint ?? "-")")
                    #expect(!entry.fingerprint.isEmpty)
                }

                let mesh = try await cluster.waitFullMesh(nodes)
                for node in nodes {
                    let peers = try #require(mesh[node.name])
                    #expect(Set(peers.map(\.name)) == Set(nodes.map(\.name)).subtracting([node.name]),
                            "\(node.name) lists exactly the other nodes")
                    for p in peers {
                        #expect(p.state == "up")
                        #expect((p.rttMs ?? -1) >= 0 && (p.smoothedRttMs ?? -1) >= 0, "\(node.name)→\(p.name) has an RTT")
                        #expect(p.consecutiveFailures == 0)
                        #expect(p.lastError == nil)
                        let registered = try #require(listing.nodes.first { $0.name == p.name })
                        #expect(p.overlayIP == registered.overlayIP, "\(node.name) knows \(p.name) by its registered IP")
                        #expect(p.endpoint == registered.endpoint)
                    }
                    // New peers are PINGed on the roster answer that brings them, so the mesh can be up after one poll.
                    let status = try await eventually("\(node.name) has polled twice") {
                        let s = try await node.ctl.nodeStatus()
                        guard s.rosterPolls >= 2 else { throw NotYet("\(s.rosterPolls) polls") }
                        return s
                    }
                    #expect(status.peerConnections == peerConnections)
                    #expect(status.peers == 2 && status.peersUp == 2)
                    #expect(status.controllerReachable)
                    #expect(status.rosterVersion != nil)
                    // Keep-alive: several polls, one TLS connection to the controller.
                    #expect(status.rosterPolls >= 2 && status.controllerConnections == 1,
                            "\(node.name): \(status.rosterPolls) polls over \(status.controllerConnections) connections")
                    #expect(status.overlayIP == listing.nodes.first { $0.name == node.name }?.overlayIP)
                }
            }
        }
    }
}
