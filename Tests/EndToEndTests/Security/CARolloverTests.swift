import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// `overlayctl ca rotate` / `ca retire` with the real binaries in network
    /// namespaces: traffic between nodes goes on while they move onto the new CA,
    /// a frozen node holds the retire back (and is named), tokens made before and
    /// after the rotate both enroll during the overlap, and after the retire the
    /// old CA's certificates are refused in the handshake.
    @Suite("CA rollover", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct CARolloverTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
            NetnsLab.Party(name: "carol", address: "198.18.0.4"),
            NetnsLab.Party(name: "dave", address: "198.18.0.5"),
            NetnsLab.Party(name: "erin", address: "198.18.0.6"),
        ]

        static func cas(_ ctl: Overlayctl) async throws -> CAListing { try await ctl.json(CAListing.self, ["ca", "status"]) }

        static func certificateCount(_ path: String) throws -> Int {
            try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1
        }

        @Test("rotate under ping -i 0.2 without loss; retire refused naming a node still on the old CA; old and new tokens enroll during the overlap; after retire the old CA is refused")
        func rotateAndRetire() async throws {
            var settings = ClusterSettings()
            settings.network = "198.19.0.0/16"
            settings.rosterInterval = "2s"
            settings.pingInterval = "2s"
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("ca-rollover", settings: settings) { cluster in
                    let controller = try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    let alice = try await cluster.startNode("alice", host: "198.18.0.2", port: 7444, namespace: try lab.namespace("alice"),
                                                            extraArguments: ["--tun", "ovl0"])
                    let bob = try await cluster.startNode("bob", host: "198.18.0.3", port: 7444, namespace: try lab.namespace("bob"))
                    let carol = try await cluster.startNode("carol", host: "198.18.0.4", port: 7444, namespace: try lab.namespace("carol"),
                                                            extraArguments: ["--tun", "ovl0"])
                    _ = try await cluster.waitActive(["alice", "bob", "carol"])
                    let carolIP = try await carol.ctl.nodeStatus().overlayIP
                    try await eventually("alice pings carol over the overlay") {
                        let r = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "1", "-W", "2", carolIP])
                        guard r.succeeded else { throw NotYet("\(r)") }
                    }
                    let before = try await Self.cas(controller.ctl)
                    #expect(before.cas.count == 1 && before.cas[0].role == "signing" && before.cas[0].nodes == ["alice", "bob", "carol"])
                    let oldCA = before.cas[0].fingerprint
                    let oldToken = try await controller.ctl.createToken()
                    let old = try TempFiles(cluster.directory + "/old-alice")
                    let oldCert = try old.copy(alice.stateDir + "/node.crt", as: "node.crt")
                    let oldKey = try old.copy(alice.stateDir + "/node.key", as: "node.key")
                    let oldCAFile = try old.copy(controller.stateDir + "/ca.crt", as: "ca.crt")

                    let series = try EndToEnd.RenewalTests.PingSeries(lab, cluster.directory, to: carolIP)
                    // Bob, frozen, cannot move: the retire must wait for him.
                    bob.process.signal(SIGSTOP)
                    let rotated = try await controller.ctl.run(["ca", "rotate"])
                    #expect(rotated.succeeded && rotated.stdout.contains("retiring") && rotated.stdout.contains("signing"), "\(rotated)")
                    let during = try await Self.cas(controller.ctl)
                    let newCA = try #require(during.cas.first { $0.role == "signing" }).fingerprint
                    #expect(newCA != oldCA && during.cas.first { $0.role == "retiring" }?.fingerprint == oldCA, "\(during)")
                    #expect(try await controller.ctl.controllerStatus().caFingerprint == newCA)
                    let again = try await controller.ctl.run(["ca", "rotate"])
                    #expect(!again.succeeded && again.stderr.contains("already under way"), "a second rotate before the retire: \(again)")

                    let refused = try await controller.ctl.run(["ca", "retire"])
                    #expect(!refused.succeeded && refused.stderr.contains("bob"), "retire with bob still on the old CA: \(refused)")

                    let newToken = try await controller.ctl.createToken()
                    #expect(try JoinToken(parsing: newToken).caFingerprint == newCA, "new tokens pin the new CA")
                    #expect(try JoinToken(parsing: oldToken).caFingerprint == oldCA)
                    bob.process.signal(SIGCONT)

                    try await eventually("every node has renewed onto the new CA", limit: 90) {
                        let listing = try await Self.cas(controller.ctl)
                        let retiring = listing.cas.first { $0.role == "retiring" }
                        guard retiring?.nodes.isEmpty == true else { throw NotYet("\(listing)") }
                    }
                    // During the overlap a token made before the rotate (pinning the old CA) and one made after both enroll.
                    let dave = try cluster.launchNode("dave", token: oldToken, host: "198.18.0.5", port: 7444, namespace: try lab.namespace("dave"))
                    try await cluster.waitNodeReady(dave)
                    let erin = try cluster.launchNode("erin", token: newToken, host: "198.18.0.6", port: 7444, namespace: try lab.namespace("erin"))
                    try await cluster.waitNodeReady(erin)
                    _ = try await cluster.waitActive(["alice", "bob", "carol", "dave", "erin"])
                    #expect(try Self.certificateCount(dave.stateDir + "/ca.crt") == 2, "dave trusts both CAs during the overlap")

                    let loss = try await series.stop()
                    print("CA rotation under traffic: \(loss)")
                    #expect(loss.contains(" 0% packet loss"), "ping -i 0.2 across the CA move: \(loss)")

                    let retired = try await controller.ctl.run(["ca", "retire"])
                    #expect(retired.succeeded, "\(retired)")
                    let after = try await Self.cas(controller.ctl)
                    #expect(after.cas.map(\.fingerprint) == [newCA], "\(after)")
                    for node in [alice, bob, carol, dave, erin] {
                        try await eventually("\(node.name) trusts only the new CA") {
                            let n = try Self.certificateCount(node.stateDir + "/ca.crt")
                            guard n == 1 else { throw NotYet("\(node.name) trusts \(n) CAs") }
                        }
                    }
                    // The nodes still reach each other over mutual TLS, and traffic flows.
                    for (from, to) in [(alice, "bob"), (bob, "dave"), (erin, "alice")] {
                        let r = try await from.ctl.run(["ping", to, "--count", "2"])
                        #expect(r.succeeded, "\(from.name) -> \(to) after the retire: \(r)")
                    }
                    let still = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", carolIP])
                    #expect(still.succeeded, "\(still)")

                    // alice's certificate from before the rotate: the handshake itself fails now (unknown CA), where during
                    // the overlap it reached the controller and was refused for being replaced.
                    let probe = try await Netns.run(try lab.namespace("alice"), [
                        try Tools.openssl(), "s_client", "-connect", "198.18.0.1:7443", "-tls1_3", "-cert", oldCert, "-key", oldKey,
                        "-pass", "file:\(cluster.passphraseFile)", "-CAfile", oldCAFile, "-ign_eof"], stdin: "GET /v1/roster HTTP/1.1\r\nHost: x\r\n\r\n", limit: 30)
                    #expect((probe.stdout + probe.stderr).lowercased().contains("unknown ca"), "s_client with an old-CA certificate after the retire: \(probe)")

                    // The controller comes back from its files with the new CA alone.
                    try await cluster.restartController()
                    #expect(try await controller.ctl.controllerStatus().caFingerprint == newCA)
                    #expect(try await Self.cas(controller.ctl).cas.count == 1)
                    let log = controller.process.stderrText
                    #expect(log.contains("ca-rotated") && log.contains("ca-retired"), "the journal has both steps")
                }
            }
        }
    }
}
