import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("controller outage")
    struct ControllerOutageTests {
        @Test("with the controller away for more than three roster intervals, nodes keep pinging; they recover by themselves")
        func nodesSurviveControllerOutage() async throws {
            var settings = ClusterSettings()  // roster interval 1 s
            let rosterInterval = 1.0
            // After a restart the controller lets nodes keep their pre-restart roster for one active
            // timeout (warm-up); a short one lets the test see them converge on the new roster.
            settings.activeTimeout = "4s"
            try await Cluster.with("outage", settings: settings) { cluster in
                try await cluster.startController()
                let nodes = [
                    try await cluster.startNode("alice"),
                    try await cluster.startNode("bob"),
                    try await cluster.startNode("carol"),
                ]
                try await cluster.waitActive(nodes.map(\.name))
                try await cluster.waitFullMesh(nodes)

                let exit = try await cluster.stopController()
                #expect(exit.normalExit && exit.code == 0)

                // Every node notices, keeps its last roster...
                var lastRoster: [String: Date] = [:]
                try await eventually("every node reports the controller unreachable") {
                    for node in nodes {
                        let s = try await node.ctl.nodeStatus()
                        guard !s.controllerReachable else { throw NotYet("\(node.name) still reports it reachable") }
                        #expect(s.rosterVersion != nil, "\(node.name) keeps its last roster")
                        let at = try #require(s.lastRosterAt, "\(node.name) had a roster before")
                        lastRoster[node.name] = at
                    }
                }

                // ...and keeps getting PONGs from every peer, well past three roster intervals
                // without a roster, never seeing a peer fail.
                var downSeen: [String] = []
                try await eventually("every pair has a PONG more than three roster intervals after the last roster") {
                    for node in nodes {
                        let peers = try await node.ctl.peers()
                        let cutoff = try #require(lastRoster[node.name]).wholeSecond.addingTimeInterval(3 * rosterInterval)
                        for other in nodes where other.name != node.name {
                            guard let p = peers.first(where: { $0.name == other.name }) else {
                                downSeen.append("\(node.name) lost \(other.name) from its peers"); continue
                            }
                            if p.state != "up" || p.consecutiveFailures > 0 {
                                downSeen.append("\(node.name)→\(other.name): \(p.state) \(p.lastError ?? "")")
                            }
                            guard let pong = p.lastPong, pong > cutoff else {
                                throw NotYet("\(node.name)'s last PONG from \(other.name) is \(p.lastPong.map { "\($0)" } ?? "never"), want after \(cutoff)")
                            }
                        }
                    }
                }
                #expect(downSeen.isEmpty, "peers stayed up while the controller was away: \(downSeen)")
                for node in nodes {
                    #expect(try await !node.ctl.nodeStatus().controllerReachable, "\(node.name): the controller was away all along")
                }

                // The controller comes back on the same address; nobody is restarted.
                let returnedAt = Date()
                try await cluster.restartController()
                let controllerStatus = try await eventually("every node reaches the returned controller again and holds its roster",
                                                            limit: 40) {
                    let controller = try await cluster.requireController().ctl.controllerStatus()
                    for node in nodes {
                        let s = try await node.ctl.nodeStatus()
                        guard s.controllerReachable, let at = s.lastRosterAt, at > returnedAt.wholeSecond else {
                            throw NotYet("\(node.name) has not fetched a roster since the controller returned")
                        }
                        guard s.rosterVersion == controller.rosterVersion else {
                            throw NotYet("\(node.name) holds roster \(s.rosterVersion ?? "-"), the controller \(controller.rosterVersion)")
                        }
                    }
                    return controller
                }
                #expect(controllerStatus.activeNodes == 3)
                try await cluster.waitActive(nodes.map(\.name))
                try await cluster.waitFullMesh(nodes, pongsAfter: Date())
            }
        }
    }
}
