import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Renewal while something else goes on: a bulk TCP transfer (iperf3) across the
    /// overlay, and the controller frozen and then killed while a node's renewal
    /// request is in flight.
    @Suite("renewal faults", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct RenewalFaultTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
        ]

        static func start(_ cluster: Cluster, _ lab: NetnsLab) async throws -> (ControllerHandle, NodeHandle, NodeHandle) {
            let (controller, nodes) = try await cluster.startInLab(lab, nodes: [("alice", "198.18.0.2"), ("bob", "198.18.0.3")])
            try await cluster.waitFullMesh(nodes)
            return (controller, nodes[0], nodes[1])
        }

        /// iperf3 runs this long; with the 36 s lifetime of RenewalTests each node renews about every
        /// 21 s, so the run spans at least one renewal of each, with 14 s to spare.
        static let iperfSeconds = 35

        @Test("iperf3 from alice to bob across a renewal of each: the run completes, both renewed during it, no peer went down")
        func renewalDuringIperf() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("iperf", settings: RenewalTests.settings(lifetime: RenewalTests.lifetime)) { cluster in
                    let (_, alice, bob) = try await Self.start(cluster, lab)
                    let aliceNS = try lab.namespace("alice"), bobNS = try lab.namespace("bob")
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    try await eventually("alice pings bob over the overlay") {
                        let r = try await Netns.run(aliceNS, ["ping", "-n", "-c", "1", "-W", "2", bobIP])
                        guard r.succeeded else { throw NotYet("\(r)") }
                    }

                    let iperf3 = try Tools.find("iperf3")
                    let server = Task { try await Netns.run(bobNS, [iperf3, "-s", "-B", bobIP, "-p", "5201", "-1"], limit: 180) }
                    try await eventually("iperf3 listens on bob's overlay IP") {
                        let r = try await Netns.run(bobNS, ["ss", "-Hltn", "sport = :5201"])
                        guard r.stdout.contains(bobIP) else { throw NotYet("\(r)") }
                    }

                    let before = (try await RenewalTests.certificate(alice), try await RenewalTests.certificate(bob))
                    let marks = (alice.log.count, bob.log.count)
                    let client = try await Netns.run(aliceNS, [iperf3, "-c", bobIP, "-p", "5201", "-t", String(Self.iperfSeconds), "-J",
                                                               "--connect-timeout", "5000"], limit: Double(Self.iperfSeconds + 90))
                    let after = (try await RenewalTests.certificate(alice), try await RenewalTests.certificate(bob))
                    let serverResult = try await server.value

                    let report = try? JSONSerialization.jsonObject(with: Data(client.stdout.utf8)) as? [String: Any]
                    let end = report?["end"] as? [String: Any]
                    let received = end?["sum_received"] as? [String: Any]
                    let sent = end?["sum_sent"] as? [String: Any]
                    let gbits = ((received?["bits_per_second"] as? Double) ?? 0) / 1e9
                    let retransmits = (sent?["retransmits"] as? Int) ?? -1
                    print("renewal during iperf3: \(String(format: "%.2f", gbits)) Gbit/s over \(Self.iperfSeconds) s, "
                          + "\(retransmits) TCP retransmits; renewals during the run: alice \(after.0.renewals - before.0.renewals), "
                          + "bob \(after.1.renewals - before.1.renewals)")
                    #expect(client.succeeded && report?["error"] == nil && received != nil, "iperf3 -c: \(client.stdout.suffix(1500)) \(client.stderr)")
                    #expect(serverResult.succeeded, "iperf3 -s: \(serverResult)")
                    #expect(after.0.renewals > before.0.renewals && after.0.fingerprint != before.0.fingerprint,
                            "alice renewed during the run: \(before.0) → \(after.0)")
                    #expect(after.1.renewals > before.1.renewals && after.1.fingerprint != before.1.fingerprint,
                            "bob renewed during the run: \(before.1) → \(after.1)")
                    for (name, log) in [("alice", String(alice.log.dropFirst(marks.0))), ("bob", String(bob.log.dropFirst(marks.1)))] {
                        #expect(log.contains("certificate-renewed"), "\(name) logs its renewal")
                        #expect(!log.contains("peer-down") && !log.contains("ping-failed"), "\(name) saw its peer fail: \(log.suffix(2000))")
                    }
                }
            }
        }

        @Test("the controller frozen, then killed, while alice's renewal is in flight: she keeps her certificate and retries, her status says so; once the controller is back the renewal completes with the key she saved")
        func controllerKilledDuringRenewal() async throws {
            var settings = ClusterSettings()
            settings.network = "198.19.0.0/16"
            // Renewal 35 s in (less up to 3 s of jitter), expiry 60 s in: 25 s for the kill, the retries and the restart.
            settings.controllerArguments = ["--cert-lifetime", "60s"]
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("killrenew", settings: settings) { cluster in
                    let (controller, alice, bob) = try await Self.start(cluster, lab)
                    let pending = alice.stateDir + "/node.key.next"
                    let first = try await RenewalTests.certificate(alice)
                    let certOnDisk = try String(contentsOfFile: alice.stateDir + "/node.crt", encoding: .utf8)

                    // Frozen, the controller still completes TCP handshakes (the kernel does) but answers nothing.
                    controller.process.signal(SIGSTOP)
                    try await eventually("alice has started a renewal (saved its key) against the frozen controller", limit: 90) {
                        guard FileManager.default.fileExists(atPath: pending) else {
                            throw NotYet("no \(pending); renew at \(first.renewAt)")
                        }
                    }
                    let savedKey = try String(contentsOfFile: pending, encoding: .utf8)
                    let exit = try await cluster.stopController(signal: SIGKILL)
                    #expect(!exit.normalExit && exit.code == SIGKILL, "\(exit)")

                    // Alice keeps her certificate and key, keeps the pending key for the retry, and says she is failing.
                    let failing = try await eventually("alice's status shows the renewal failing and retried") {
                        let c = try await RenewalTests.certificate(alice)
                        guard c.failures >= 2, c.lastError?.contains("connection refused") == true else { throw NotYet("\(c)") }
                        return c
                    }
                    #expect(failing.fingerprint == first.fingerprint && failing.renewals == first.renewals, "\(failing)")
                    #expect(failing.lastError == "cannot reach the controller at 198.18.0.1:7443: connection refused", "\(failing)")
                    #expect(try String(contentsOfFile: alice.stateDir + "/node.crt", encoding: .utf8) == certOnDisk)
                    #expect(try String(contentsOfFile: pending, encoding: .utf8) == savedKey, "the retry keeps the saved key")
                    let text = try await alice.ctl.run(["status"])
                    #expect(text.stdout.contains("RENEWAL FAILING"), "overlayctl status: \(text)")
                    #expect(alice.log.contains("certificate-renewal-failed"), "the journal has the failure")
                    // Peers do not need the controller: bob stays up for alice.
                    #expect(try await alice.ctl.peers().first { $0.name == "bob" }?.state == "up")

                    // Back on the same state: the retry goes through, with the key saved before the kill.
                    try await cluster.restartController()
                    let restartedAt = Date()
                    let renewed = try await eventually("alice's renewal completes against the restarted controller", limit: 60) {
                        let c = try await RenewalTests.certificate(alice)
                        guard c.renewals > first.renewals else { throw NotYet("\(c)") }
                        return c
                    }
                    #expect(renewed.fingerprint != first.fingerprint && renewed.failures == 0 && renewed.lastError == nil, "\(renewed)")
                    let errors = alice.log.split(separator: "\n").filter { $0.contains("certificate-renewal-failed") }.compactMap { line in
                        line.range(of: "error=").map { start in
                            let rest = line[start.upperBound...]
                            return String(rest[..<(rest.range(of: " event=")?.lowerBound ?? rest.endIndex)])
                        }
                    }
                    let at = renewed.lastRenewedAt ?? Date()
                    print("controller killed during renewal: \(errors.count) failed attempts (\(Set(errors).sorted().joined(separator: " | "))); "
                          + "renewed \(String(format: "%.1f", at.timeIntervalSince(restartedAt))) s after the restart, "
                          + "\(Int(first.notAfter.timeIntervalSince(at))) s before the old certificate would have expired")
                    #expect(!FileManager.default.fileExists(atPath: pending), "node.key.next is gone")
                    #expect(try String(contentsOfFile: alice.stateDir + "/node.key", encoding: .utf8) == savedKey,
                            "the installed key is the one saved before the kill")
                    try await eventually("the controller lists alice's new certificate") {
                        let listing = try await controller.ctl.roster()
                        guard listing.nodes.first(where: { $0.name == "alice" })?.fingerprint == renewed.fingerprint else {
                            throw NotYet(describe(listing))
                        }
                    }
                    _ = try await cluster.waitActive(["alice", "bob"])
                    try await cluster.waitFullMesh([alice, bob])
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    let ping = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", bobIP])
                    #expect(ping.succeeded, "\(ping)")
                }
            }
        }
    }
}
