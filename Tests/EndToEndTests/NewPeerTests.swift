import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// A peer that joins, or comes back at another endpoint, is PINGed on the
    /// roster update that brings it, not at the next ping round. With a ping
    /// interval of 5 minutes and a roster interval of 1 s, `overlayctl peers`
    /// shows it up within the test's 30 s wait only if that holds: the next
    /// round is minutes away.
    @Suite("new peers")
    struct NewPeerTests {
        static var settings: ClusterSettings {
            var s = ClusterSettings()  // roster interval 1 s
            s.pingInterval = "300s"
            return s
        }

        static func peer(_ name: String, of node: NodeHandle) async throws -> PeerStatus {
            guard let p = try await node.ctl.peers().first(where: { $0.name == name }) else {
                throw NotYet("\(node.name) does not list \(name) yet")
            }
            return p
        }

        @Test("a peer that joins, or moves to another port, is up in overlayctl peers within the roster interval, not the ping interval")
        func newAndMovedPeersArePingedAtOnce() async throws {
            try await Cluster.with("newpeer", settings: Self.settings) { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                _ = try await cluster.waitActive(["alice"])
                // alice's first round has passed (with no peers); its next is 5 minutes away.
                let bob = try await cluster.startNode("bob")

                let bobSeen = try await eventually("alice PINGs bob as soon as bob is on its roster") {
                    let p = try await Self.peer("bob", of: alice)
                    guard p.state == "up", p.lastPong != nil else { throw NotYet("alice: bob \(p.state)") }
                    return p
                }
                try await eventually("bob PINGs alice as soon as its first roster lists alice") {
                    let p = try await Self.peer("alice", of: bob)
                    guard p.state == "up" else { throw NotYet("bob: alice \(p.state)") }
                }
                #expect(alice.log.contains("event=roster-updated") && alice.log.contains("joined=bob"), "alice logged bob's joining")

                // bob dies (no leave) and comes back on another port: alice's roster brings the new endpoint,
                // and alice PINGs it there at once. (A second apart, so the PONG times differ.)
                try await Task.sleep(for: .milliseconds(1500))
                try await cluster.stop(bob, signal: SIGKILL)
                try await cluster.restart(bob)
                let moved = try await eventually("alice PINGs bob at its new endpoint") {
                    let p = try await Self.peer("bob", of: alice)
                    guard p.endpoint != bobSeen.endpoint else { throw NotYet("alice still has bob at \(p.endpoint)") }
                    guard p.state == "up", let pong = p.lastPong, pong > bobSeen.lastPong! else {
                        throw NotYet("alice: bob at \(p.endpoint) \(p.state), last PONG \(p.lastPong.map { "\($0)" } ?? "never")")
                    }
                    return p
                }
                #expect(alice.log.contains("changed=bob"), "alice logged bob's move as a roster change")
                print("new peers: bob up on alice at \(bobSeen.endpoint), then at \(moved.endpoint) after its move; ping interval 300 s")
            }
        }
    }
}
