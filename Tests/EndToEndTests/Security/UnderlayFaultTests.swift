import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Faults on a node's underlay, with the kernel's own tools (this kernel has no
    /// netem, so random loss is an nftables rule on the namespace's interface, as
    /// ../shared/notes/fault-injection.md describes): loss, a partition and its heal,
    /// a frozen peer. Health must say what is true, and traffic must go on where it can.
    @Suite("underlay faults", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct UnderlayFaultTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
        ]
        static var settings: ClusterSettings {
            var s = ClusterSettings()
            s.network = "198.19.0.0/16"
            s.pingInterval = "1s"
            s.pingTimeout = "3s"
            return s
        }

        /// `percent` % of the packets leaving and entering the namespace's eth0 dropped; nil removes the rule.
        static func loss(_ namespace: String, _ percent: Int?) async throws {
            if let percent {
                let rules = """
                table netdev overlayd_loss {
                  chain egress { type filter hook egress device "eth0" priority 0; policy accept; counter; numgen random mod 100 < \(percent) counter drop; }
                  chain ingress { type filter hook ingress device "eth0" priority 0; policy accept; counter; numgen random mod 100 < \(percent) counter drop; }
                }
                """
                let r = try await Netns.run(namespace, [try Tools.find("nft"), "-f", "-"], stdin: rules)
                try #require(r.succeeded, "nft: \(r)")
            } else {
                _ = try await Netns.run(namespace, [try Tools.find("nft"), "delete", "table", "netdev", "overlayd_loss"])
            }
        }

        /// Packets the loss rule dropped so far (both directions).
        static func dropped(_ namespace: String) async throws -> Int {
            let r = try await Netns.run(namespace, [try Tools.find("nft"), "list", "table", "netdev", "overlayd_loss"])
            let counts = r.stdout.split(separator: "\n").filter { $0.contains("drop") }.compactMap { line -> Int? in
                let words = line.split(separator: " ")
                guard let i = words.firstIndex(of: "packets"), i + 1 < words.count else { return nil }
                return Int(words[i + 1])
            }
            return counts.reduce(0, +)
        }

        static func peerState(_ node: NodeHandle, _ peer: String) async throws -> String? {
            try await node.ctl.peers().first { $0.name == peer }?.state
        }

        @Test("10 % loss: no peer marked down, traffic goes on; 30 %: traffic goes on; a partition is seen and heals; a frozen peer is down, then up")
        func faults() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("faults", settings: Self.settings) { cluster in
                    try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    let alice = try await cluster.startNode("alice", host: "198.18.0.2", port: 7444, namespace: try lab.namespace("alice"),
                                                            extraArguments: ["--tun", "ovl0"])
                    let bob = try await cluster.startNode("bob", host: "198.18.0.3", port: 7444, namespace: try lab.namespace("bob"),
                                                          extraArguments: ["--tun", "ovl0"])
                    _ = try await cluster.waitActive(["alice", "bob"])
                    let aliceNS = try lab.namespace("alice")
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    try await eventually("alice and bob see each other up") {
                        guard try await Self.peerState(alice, "bob") == "up", try await Self.peerState(bob, "alice") == "up" else {
                            throw NotYet("not yet up")
                        }
                    }

                    // 10 % loss both ways on alice's underlay, for 100 pings 0.2 s apart and the PING rounds meanwhile.
                    let logMark = (alice.log.count, bob.log.count)
                    try await Self.loss(aliceNS, 10)
                    let lossy = try await Netns.run(aliceNS, ["ping", "-n", "-i", "0.2", "-c", "100", "-W", "2", bobIP], limit: 120)
                    let dropped10 = try await Self.dropped(aliceNS)
                    try await Self.loss(aliceNS, nil)
                    let summary10 = lossy.stdout.split(separator: "\n").first { $0.contains("packet loss") } ?? "?"
                    print("underlay faults: 10 % loss (nftables, \(dropped10) packets dropped): \(summary10)")
                    #expect(dropped10 > 0, "the loss rule dropped nothing")
                    #expect(lossy.stdout.contains(" received") && !lossy.stdout.contains(" 0 received"), "traffic went on: \(summary10)")
                    for (name, log) in [("alice", String(alice.log.dropFirst(logMark.0))), ("bob", String(bob.log.dropFirst(logMark.1)))] {
                        #expect(!log.contains("peer-down"), "\(name) marked its peer down under 10 % loss: \(log.suffix(1500))")
                    }

                    // 30 %: traffic still goes on (health may waver, and is allowed to say so).
                    try await Self.loss(aliceNS, 30)
                    let worse = try await Netns.run(aliceNS, ["ping", "-n", "-i", "0.2", "-c", "50", "-W", "2", bobIP], limit: 120)
                    try await Self.loss(aliceNS, nil)
                    let summary30 = worse.stdout.split(separator: "\n").first { $0.contains("packet loss") } ?? "?"
                    print("underlay faults: 30 % loss: \(summary30)")
                    #expect(!worse.stdout.contains(" 0 received"), "traffic went on at 30 %: \(summary30)")

                    // A partition: alice's link goes down; bob sees alice down; the link comes back; both up again.
                    _ = try await Netns.run(aliceNS, ["ip", "link", "set", "eth0", "down"])
                    try await eventually("bob marks alice down during the partition") {
                        guard try await Self.peerState(bob, "alice") == "down" else { throw NotYet("still up") }
                    }
                    _ = try await Netns.run(aliceNS, ["ip", "link", "set", "eth0", "up"])
                    try await eventually("bob and alice see each other up after the heal") {
                        guard try await Self.peerState(bob, "alice") == "up", try await Self.peerState(alice, "bob") == "up" else {
                            throw NotYet("not yet up")
                        }
                    }
                    try await eventually("traffic flows again after the heal") {
                        let r = try await Netns.run(aliceNS, ["ping", "-n", "-c", "1", "-W", "2", bobIP])
                        guard r.succeeded else { throw NotYet("\(r)") }
                    }

                    // A frozen peer (SIGSTOP): alice marks bob down; SIGCONT: up again, and traffic flows.
                    bob.process.signal(SIGSTOP)
                    try await eventually("alice marks the frozen bob down") {
                        guard try await Self.peerState(alice, "bob") == "down" else { throw NotYet("still up") }
                    }
                    bob.process.signal(SIGCONT)
                    try await eventually("alice sees bob up after SIGCONT") {
                        guard try await Self.peerState(alice, "bob") == "up" else { throw NotYet("still down") }
                    }
                    let after = try await Netns.run(aliceNS, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", bobIP])
                    #expect(after.succeeded, "\(after)")
                }
            }
        }
    }
}
