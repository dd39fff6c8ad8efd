import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Nodes whose wall clocks are wrong (`ClockShift`), against a controller with the
    /// right time: within the skew allowance docs/security.md gives they enroll, are
    /// accepted by the controller and by each other, carry traffic and renew; outside
    /// it a node is refused with the reason in words.
    @Suite("clock skew", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct ClockSkewTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
            NetnsLab.Party(name: "carol", address: "198.18.0.4"),
            NetnsLab.Party(name: "dave", address: "198.18.0.5"),
        ]
        /// Backdated by min(15 min, lifetime/4) = 15 min, and renewed 35 min in (7/12 of the
        /// lifetime): the allowance is 12.5 min either way (docs/security.md, "Clock skew").
        static let lifetime = "1h"
        static let skew = 600
        static var settings: ClusterSettings {
            var s = ClusterSettings()
            s.network = "198.19.0.0/16"
            s.controllerArguments = ["--cert-lifetime", lifetime]
            return s
        }

        /// Stops the node, leaves what a renewal interrupted after its key was saved leaves
        /// (`node.key.next`, encrypted with the passphrase), and starts it again: a start
        /// finishes that renewal at once with that key, so the test need not wait the half hour or more
        /// the schedule would take.
        static func renewByRestart(_ node: NodeHandle, in cluster: Cluster) async throws -> CertificateStatus {
            let before = try await RenewalTests.certificate(node)
            try await cluster.stop(node)
            let made = try await Command.run(try Tools.openssl(), [
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc",
                "-pass", "file:\(cluster.passphraseFile)", "-out", node.stateDir + "/node.key.next"])
            try #require(made.succeeded, "\(made)")
            let saved = try String(contentsOfFile: node.stateDir + "/node.key.next", encoding: .utf8)
            try await cluster.restart(node, port: 7444, extraArguments: ["--tun", "ovl0"])
            let after = try await eventually("\(node.name) finished the interrupted renewal") {
                let c = try await RenewalTests.certificate(node)
                guard c.renewals >= 1 else { throw NotYet("\(node.name): \(c)") }
                return c
            }
            #expect(after.fingerprint != before.fingerprint && after.failures == 0, "\(node.name): \(before) → \(after)")
            #expect(!FileManager.default.fileExists(atPath: node.stateDir + "/node.key.next"))
            #expect(try String(contentsOfFile: node.stateDir + "/node.key", encoding: .utf8) == saved, "renewed with the saved key")
            return after
        }

        @Test("clocks 10 minutes ahead and behind: enrolled, accepted by the controller and by each other, traffic flows, renewed; 30 minutes behind: refused as not yet valid; 40 minutes ahead: renews once, not in a loop")
        func tenMinutesEitherWay() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("skew", settings: Self.settings) { cluster in
                    let controller = try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    let alice = try await cluster.startNode("alice", host: "198.18.0.2", port: 7444, namespace: try lab.namespace("alice"),
                                                            extraArguments: ["--tun", "ovl0"],
                                                            environment: try ClockShift.environment(Self.skew, in: cluster.directory))
                    let bob = try await cluster.startNode("bob", host: "198.18.0.3", port: 7444, namespace: try lab.namespace("bob"),
                                                          extraArguments: ["--tun", "ovl0"],
                                                          environment: try ClockShift.environment(-Self.skew, in: cluster.directory))
                    // The daemons' own clocks say what the test meant them to (a node's start time is its clock's).
                    for (node, shift) in [(alice, Self.skew), (bob, -Self.skew)] {
                        let s = try await node.ctl.nodeStatus()
                        let offset = s.startedAt.timeIntervalSinceNow + s.uptimeSeconds
                        #expect(abs(offset - Double(shift)) < 60, "\(node.name)'s clock is \(Int(offset)) s off, meant \(shift)")
                    }

                    // Enrolled and accepted by the controller: both active (their roster polls are mutual TLS).
                    _ = try await cluster.waitActive(["alice", "bob"])
                    // Accepted by each other: each end checks the other's certificate with its own clock.
                    try await cluster.waitFullMesh([alice, bob])
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    let aliceIP = try await alice.ctl.nodeStatus().overlayIP
                    try await eventually("alice and bob ping each other over the overlay") {
                        for (from, to) in [("alice", bobIP), ("bob", aliceIP)] {
                            let r = try await Netns.run(try lab.namespace(from), ["ping", "-n", "-c", "1", "-W", "2", to])
                            guard r.succeeded else { throw NotYet("\(from) → \(to): \(r)") }
                        }
                    }

                    // Renewed: the new certificate, made a moment ago, is taken by the node that is
                    // 10 minutes behind (its own, and its peer's), by the one ahead, and by the controller.
                    let renewed = [try await Self.renewByRestart(alice, in: cluster), try await Self.renewByRestart(bob, in: cluster)]
                    let listing = try await cluster.waitActive(["alice", "bob"])
                    for (name, status) in zip(["alice", "bob"], renewed) {
                        #expect(listing.nodes.first { $0.name == name }?.fingerprint == status.fingerprint,
                                "the controller lists \(name)'s renewed certificate: \(describe(listing))")
                    }
                    try await cluster.waitFullMesh([alice, bob])
                    for (from, to) in [("alice", bobIP), ("bob", aliceIP)] {
                        let r = try await Netns.run(try lab.namespace(from), ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", to])
                        #expect(r.succeeded, "\(from) → \(to) under the renewed certificates: \(r)")
                    }
                    for node in [alice, bob] {
                        #expect(!node.log.contains("not yet valid") && !node.log.contains("certificate expired"),
                                "\(node.name) refused a certificate for its time: \(node.log.suffix(2000))")
                    }

                    // Outside the allowance: 30 minutes behind, the controller's certificate (made when it
                    // started, backdated 15 minutes) is not yet valid for carol; she says so and stops.
                    let carol = try cluster.launchNode("carol", token: try await cluster.token(), host: "198.18.0.4", port: 7444,
                                                       namespace: try lab.namespace("carol"),
                                                       environment: try ClockShift.environment(-3 * Self.skew, in: cluster.directory))
                    let exit = try await carol.process.waitForExit(limit: 60)
                    #expect(exit.normalExit && exit.code != 0, "\(exit)")
                    #expect(carol.log.contains("not yet valid"), "carol says why: \(carol.log)")
                    // ... as clock trouble: when the certificate is valid from, how far from her clock, what to check.
                    #expect(carol.log.contains("is valid from") && carol.log.contains("min after this host's clock")
                            && carol.log.contains("check time synchronisation"), "carol names the clocks: \(carol.log)")

                    // Outside it the other way: 40 minutes ahead, dave finds each new certificate already due
                    // for renewal (35 minutes in). He renews once, says his clock is ahead, and waits a tenth
                    // of the validity before the next, instead of renewing again and again.
                    let dave = try await cluster.startNode("dave", host: "198.18.0.5", port: 7444, namespace: try lab.namespace("dave"),
                                                           environment: try ClockShift.environment(4 * Self.skew, in: cluster.directory))
                    try await eventually("dave renewed at once and said that his clock is ahead") {
                        let c = try await RenewalTests.certificate(dave)
                        guard c.renewals >= 1, dave.log.contains("certificate-clock-ahead") else { throw NotYet("\(c)") }
                    }
                    let polls = try await dave.ctl.nodeStatus().rosterPolls
                    try await eventually("dave has polled the controller five more times") {
                        let now = try await dave.ctl.nodeStatus().rosterPolls
                        guard now >= polls + 5 else { throw NotYet("\(now) polls") }
                    }
                    let daves = try await RenewalTests.certificate(dave)
                    #expect(daves.renewals == 1, "one renewal, not a loop: \(daves)")
                    #expect(daves.renewAt.timeIntervalSince(daves.lastRenewedAt ?? .distantPast) >= 7 * 60,
                            "the next one waits a tenth of the 75-minute validity: \(daves)")
                    let final = try await controller.ctl.roster()
                    #expect(final.nodes.map(\.name).sorted() == ["alice", "bob", "dave"], "\(describe(final))")
                    #expect(final.nodes.first { $0.name == "dave" }?.fingerprint == daves.fingerprint)
                }
            }
        }
    }
}
