import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Short-lived certificates with the real binaries in network namespaces: nodes
    /// renew with new keys while traffic flows, the replaced certificate is refused by
    /// the controller (curl) and by peers (openssl s_client), and a node whose
    /// certificate expired while it was stopped says it needs a new token.
    @Suite("certificate renewal", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct RenewalTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
        ]
        /// Renewal comes two thirds in, about 21 s after each certificate is signed.
        static let lifetime = "36s"
        static func settings(lifetime: String?) -> ClusterSettings {
            var s = ClusterSettings()
            s.network = "198.19.0.0/16"
            // Long against the renewal: peers learn a new certificate from the node presenting it, not from a poll.
            s.rosterInterval = "10s"
            s.pingInterval = "2s"
            s.controllerArguments = lifetime.map { ["--cert-lifetime", $0] } ?? []
            return s
        }

        static func certificate(_ node: NodeHandle) async throws -> CertificateStatus {
            try #require(try await node.ctl.nodeStatus().certificate, "\(node.name) reports no certificate status")
        }

        /// `ping -i 0.2` from alice to bob until `stop()`: its summary line.
        struct PingSeries {
            let process: ChildProcess
            init(_ lab: NetnsLab, _ directory: String, to ip: String) throws {
                process = try ChildProcess(label: "ping-series", executable: try Tools.find("ping"),
                                           arguments: ["-n", "-i", "0.2", "-W", "2", ip],
                                           namespace: try lab.namespace("alice"), logDirectory: directory)
            }
            func stop() async throws -> String {
                process.signal(SIGINT)
                _ = try await process.waitForExit()
                let out = try String(contentsOfFile: process.stdoutPath, encoding: .utf8)
                return out.split(separator: "\n").first { $0.contains("packet loss") }.map(String.init) ?? "no summary: \(out.suffix(500))"
            }
        }

        /// Alice and bob with TUNs, pinging each other over the overlay.
        static func withPair(_ lab: NetnsLab, _ cluster: Cluster,
                             _ body: (ControllerHandle, NodeHandle, NodeHandle, String) async throws -> Void) async throws {
            let (controller, nodes) = try await cluster.startInLab(lab, nodes: [("alice", "198.18.0.2"), ("bob", "198.18.0.3")])
            let (alice, bob) = (nodes[0], nodes[1])
            let bobIP = try await bob.ctl.nodeStatus().overlayIP
            try await eventually("alice pings bob over the overlay") {
                let r = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "1", "-W", "2", bobIP])
                guard r.succeeded else { throw NotYet("\(r)") }
            }
            try await body(controller, alice, bob, bobIP)
        }

        /// What both renewal tests check once the renewals are done: a new key and
        /// fingerprint, listed by the controller, logged, and no peer ever failed.
        static func checkRenewed(_ controller: ControllerHandle, _ alice: NodeHandle, _ bob: NodeHandle,
                                 from first: CertificateStatus, oldKey: String, logsFrom: (Int, Int)) async throws {
            let now = try await certificate(alice)
            #expect(now.fingerprint != first.fingerprint && now.failures == 0 && now.notAfter > first.notAfter, "\(first) -> \(now)")
            let newKey = try String(contentsOfFile: alice.stateDir + "/node.key", encoding: .utf8)
            #expect(newKey != (try String(contentsOfFile: oldKey, encoding: .utf8)), "the key was rotated, not only re-signed")
            #expect(!FileManager.default.fileExists(atPath: alice.stateDir + "/node.key.next"))
            let listing = try await controller.ctl.roster()
            #expect(listing.nodes.first { $0.name == "alice" }?.fingerprint == now.fingerprint, "the controller lists alice's current certificate")
            let aliceLog = String(alice.log.dropFirst(logsFrom.0)), bobLog = String(bob.log.dropFirst(logsFrom.1))
            for (name, log) in [("alice", aliceLog), ("bob", bobLog)] {
                #expect(log.contains("certificate-renewed"), "\(name) logs its renewal")
                #expect(!log.contains("peer-down") && !log.contains("ping-failed"), "\(name) never saw its peer fail: \(log.suffix(2000))")
            }
        }

        @Test("overlayctl cert renew under ping -i 0.2: new keys, no loss; the replaced certificate, still unexpired, is refused by the controller and by the peer")
        func renewalOnDemandUnderTraffic() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                // The default 7-day lifetime: every old certificate below is far from expiry, so a refusal is for being replaced.
                try await Cluster.with("renew", settings: Self.settings(lifetime: nil)) { cluster in
                    try await Self.withPair(lab, cluster) { controller, alice, bob, bobIP in
                        let old = try TempFiles(cluster.directory + "/old-alice")
                        let oldCert = try old.copy(alice.stateDir + "/node.crt", as: "node.crt")
                        let oldKey = try old.copy(alice.stateDir + "/node.key", as: "node.key")
                        let first = try await Self.certificate(alice)
                        let logs = (alice.log.count, bob.log.count)

                        let series = try PingSeries(lab, cluster.directory, to: bobIP)
                        try await Task.sleep(for: .seconds(1))
                        let renewed = try await alice.ctl.run(["cert", "renew"])
                        #expect(renewed.succeeded && renewed.stdout.contains("renewed"), "\(renewed)")
                        #expect(try await Self.certificate(alice).renewals == 1)

                        // The replaced certificate: curl gets 403 from the controller ...
                        let ca = controller.stateDir + "/ca.crt"
                        let passphrase = try String(contentsOfFile: cluster.passphraseFile, encoding: .utf8).trimmed
                        let curl = try await Netns.run(try lab.namespace("alice"), [
                            try Tools.find("curl"), "-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert", ca,
                            "--cert", oldCert, "--key", oldKey, "--pass", passphrase,
                            "-X", "POST", "-H", "content-type: application/json", "-d", "{\"listenPort\": 7444}",
                            "https://198.18.0.1:7443/v1/roster"], limit: 30)
                        #expect(curl.stdout.hasSuffix("403") && curl.stdout.contains("unknown_certificate"), "curl with the old certificate: \(curl)")

                        // ... and bob ends a TLS session made with it, saying why.
                        let probe = try await Netns.run(try lab.namespace("alice"), [
                            try Tools.openssl(), "s_client", "-connect", "198.18.0.3:7444", "-tls1_3", "-cert", oldCert, "-key", oldKey,
                            "-pass", "file:\(cluster.passphraseFile)", "-CAfile", ca, "-ign_eof"], stdin: "", limit: 30)
                        #expect((probe.stdout + probe.stderr).contains("not the one on the roster"), "s_client with the old certificate: \(probe)")

                        // Bob renews too, and twice in a row, while the pings go on.
                        for _ in 0..<2 {
                            let r = try await bob.ctl.run(["cert", "renew"])
                            #expect(r.succeeded, "\(r)")
                        }
                        try await Task.sleep(for: .seconds(3))
                        let loss = try await series.stop()
                        print("renewal on demand under traffic: \(loss)")
                        #expect(loss.contains(" 0% packet loss"), "ping -i 0.2 across renewals: \(loss)")
                        #expect(try await Self.certificate(bob).renewals == 2)
                        try await Self.checkRenewed(controller, alice, bob, from: first, oldKey: oldKey, logsFrom: logs)
                    }
                }
            }
        }

        @Test("with a 36 s lifetime both nodes renew on their own, again and again, while ping -i 0.2 runs between them")
        func scheduledRenewalUnderTraffic() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("renew-auto", settings: Self.settings(lifetime: Self.lifetime)) { cluster in
                    try await Self.withPair(lab, cluster) { controller, alice, bob, bobIP in
                        let old = try TempFiles(cluster.directory + "/old-alice")
                        let oldKey = try old.copy(alice.stateDir + "/node.key", as: "node.key")
                        let first = try await Self.certificate(alice)
                        #expect(first.renewAt > Date().addingTimeInterval(-60) && first.renewAt < first.notAfter)
                        let logs = (alice.log.count, bob.log.count)
                        let series = try PingSeries(lab, cluster.directory, to: bobIP)
                        try await eventually("both nodes have renewed twice", limit: 120) {
                            let a = try await Self.certificate(alice), b = try await Self.certificate(bob)
                            guard a.renewals >= 2, b.renewals >= 2 else { throw NotYet("alice: \(a), bob: \(b)") }
                        }
                        let loss = try await series.stop()
                        print("scheduled renewals under traffic: \(loss)")
                        #expect(loss.contains(" 0% packet loss"), "ping -i 0.2 across renewals: \(loss)")
                        try await Self.checkRenewed(controller, alice, bob, from: first, oldKey: oldKey, logsFrom: logs)
                    }
                }
            }
        }

        @Test("a node whose certificate expired while it was stopped refuses to start and says it needs a new token")
        func expiredWhileOffline() async throws {
            var settings = ClusterSettings()
            settings.controllerArguments = ["--cert-lifetime", Self.lifetime]
            try await Cluster.with("expired", settings: settings) { cluster in
                try await cluster.startController()
                let alice = try await cluster.startNode("alice")
                let notAfter = try await Self.certificate(alice).notAfter
                try await cluster.stop(alice)
                try await eventually("alice's certificate has expired", limit: 60) {
                    guard Date() > notAfter.addingTimeInterval(1) else { throw NotYet("valid until \(notAfter)") }
                }
                let again = try cluster.launchNode("alice", token: nil)
                let exit = try await again.process.waitForExit(limit: 30)
                #expect(exit.normalExit && exit.code != 0, "\(exit)")
                let log = again.log
                #expect(log.contains("expired") && log.contains("needs a new token") && log.contains("--join-token"), "\(log)")
                #expect(log.components(separatedBy: "needs a new token").count == 2, "said once: \(log)")
            }
        }
    }
}

/// Copies of files a test wants to keep as they are now.
struct TempFiles {
    let directory: String

    init(_ directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func copy(_ path: String, as name: String) throws -> String {
        let target = directory + "/" + name
        try FileManager.default.copyItem(atPath: path, toPath: target)
        return target
    }
}
