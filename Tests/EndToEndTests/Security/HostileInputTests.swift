import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// The running daemons under attack from their own network namespace (mallory,
    /// 198.18.0.9), with tools nobody here wrote: openssl s_client, Python sockets
    /// and Python's TLS. After each attack the legitimate nodes still enroll, poll,
    /// ping and carry traffic, and the roster lists exactly them.
    @Suite("hostile input", .enabled(if: getuid() == 0, "needs root for network namespaces and TUN interfaces"))
    struct HostileInputTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
            NetnsLab.Party(name: "carol", address: "198.18.0.4"),
            NetnsLab.Party(name: "mallory", address: "198.18.0.9"),
        ]
        static var settings: ClusterSettings {
            var s = ClusterSettings()
            s.network = "198.19.0.0/16"
            s.controllerArguments = ["--request-read-timeout", "3s"]
            return s
        }

        @Test("old TLS, garbage, truncated hellos, a self-signed impostor, 1,000 idle connections and 100 slow-loris clients leave the network serving")
        func attacksLeaveTheNetworkServing() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("hostile", settings: Self.settings) { cluster in
                    let (controller, nodes) = try await cluster.startInLab(lab, nodes: [("alice", "198.18.0.2"), ("bob", "198.18.0.3")])
                    let (alice, bob) = (nodes[0], nodes[1])
                    let mallory = try lab.namespace("mallory")
                    let ca = controller.stateDir + "/ca.crt"
                    let targets = [("controller", "198.18.0.1:7443"), ("alice", "198.18.0.2:7444")]

                    // TLS 1.2 and lower: no handshake at all.
                    for (name, target) in targets {
                        for version in ["-tls1_2", "-tls1_1"] {
                            let r = try await Netns.run(mallory, [try Tools.openssl(), "s_client", "-connect", target, version, "-CAfile", ca],
                                                        stdin: "", limit: 30)
                            let out = r.stdout + r.stderr
                            #expect(!r.succeeded && (out.contains("alert") || out.contains("no protocols available")),
                                    "\(name) with \(version): \(r)")
                            #expect(out.contains("Cipher is (NONE)"), "\(name) negotiated a cipher under \(version): \(r)")
                        }
                    }

                    // Garbage and a truncated ClientHello: the connection ends, nothing answers in HTTP.
                    for (name, target) in targets {
                        let hostPort = target.split(separator: ":")
                        let r = try await Netns.python(mallory, HostilePrograms.garbage, [String(hostPort[0]), String(hostPort[1]), "4000"])
                        #expect(r.succeeded && !r.stdout.contains("TIMEOUT") && !r.stdout.contains("HTTP"), "\(name): \(r)")
                    }

                    // A self-signed certificate carrying bob's name and overlay IP: alice refuses it.
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    let forged = cluster.directory + "/forged"
                    try FileManager.default.createDirectory(atPath: forged, withIntermediateDirectories: true)
                    let made = try await Command.run(try Tools.openssl(), [
                        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                        "-subj", "/CN=bob", "-addext", "subjectAltName=DNS:bob,IP:\(bobIP)",
                        "-keyout", forged + "/bob.key", "-out", forged + "/bob.crt"])
                    try #require(made.succeeded, "\(made)")
                    let impostor = try await Netns.run(mallory, [
                        try Tools.openssl(), "s_client", "-connect", "198.18.0.2:7444", "-tls1_3", "-cert", forged + "/bob.crt",
                        "-key", forged + "/bob.key", "-CAfile", ca, "-ign_eof"], stdin: "", limit: 30)
                    #expect((impostor.stdout + impostor.stderr).contains("alert"), "alice ends the impostor's handshake: \(impostor)")
                    let toController = try await Netns.run(mallory, [
                        try Tools.find("curl"), "-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert", ca,
                        "--cert", forged + "/bob.crt", "--key", forged + "/bob.key", "https://198.18.0.1:7443/v1/roster"], limit: 30)
                    #expect(!toController.stdout.hasSuffix("200"), "the controller refuses the impostor: \(toController)")

                    // 1,000 idle connections to the controller and 100 slow-loris clients, at once;
                    // carol enrolls meanwhile, and the nodes keep polling.
                    let idle = Task { try await Netns.python(mallory, HostilePrograms.idle, ["198.18.0.1", "7443", "1000", "20"], limit: 90) }
                    let loris = Task { try await Netns.python(mallory, HostilePrograms.slowLoris, ["198.18.0.1", "7443", "100"], limit: 90) }
                    try await Task.sleep(for: .seconds(2))
                    let polls = try await alice.ctl.nodeStatus().rosterPolls
                    let carol = try await cluster.startNode("carol", host: "198.18.0.4", port: 7444, namespace: try lab.namespace("carol"),
                                                            extraArguments: ["--tun", "ovl0"])
                    try await eventually("alice polls the controller during the flood") {
                        let now = try await alice.ctl.nodeStatus().rosterPolls
                        guard now > polls + 1 else { throw NotYet("\(now) polls") }
                    }
                    let lorisResult = try await loris.value
                    let idleResult = try await idle.value
                    #expect(lorisResult.stdout.contains("completed 0"), "no slow-loris client finished its request: \(lorisResult)")
                    #expect(idleResult.stdout.contains("opened"), "\(idleResult)")
                    print("hostile: idle \(idleResult.stdout.trimmed); slow-loris \(lorisResult.stdout.trimmed)")

                    // Afterwards: everyone is up, traffic flows, the roster is exactly the three.
                    _ = try await cluster.waitActive(["alice", "bob", "carol"])
                    let carolIP = try await carol.ctl.nodeStatus().overlayIP
                    try await eventually("alice pings carol and bob over the overlay") {
                        for ip in [carolIP, bobIP] {
                            let r = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "1", "-W", "2", ip])
                            guard r.succeeded else { throw NotYet("\(ip): \(r)") }
                        }
                    }
                    try await eventually("alice sees bob and carol up") {
                        let peers = try await alice.ctl.peers()
                        guard peers.filter({ $0.state == "up" }).count == 2 else { throw NotYet("\(peers.map { "\($0.name) \($0.state)" })") }
                    }
                    #expect(try await controller.ctl.roster().nodes.map(\.name).sorted() == ["alice", "bob", "carol"])
                }
            }
        }

        @Test("certificates from the network's own CA for alice's name and IP that are not valid yet or expired are refused in the handshake by the controller and by a peer; valid now, the same request passes the handshake and is refused for not being on the roster")
        func certificatesOutOfDate() async throws {
            try await NetnsLab.with(Self.parties) { lab in
                try await Cluster.with("dates", settings: Self.settings) { cluster in
                    let (controller, nodes) = try await cluster.startInLab(lab, nodes: [("alice", "198.18.0.2"), ("bob", "198.18.0.3")])
                    let (alice, bob) = (nodes[0], nodes[1])
                    let mallory = try lab.namespace("mallory")
                    let ca = controller.stateDir + "/ca.crt"
                    let aliceIP = try await alice.ctl.nodeStatus().overlayIP

                    // One key and request for alice's name and overlay IP, signed with the network's CA key
                    // (as someone holding the controller's disk and passphrase could) three times: with the
                    // clock a day ahead, so the certificate starts tomorrow; three days back, for one day, so
                    // it expired two days ago; and now.
                    let dir = cluster.directory + "/dated"
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    let openssl = try Tools.openssl()
                    try Data("""
                    basicConstraints = critical,CA:FALSE
                    keyUsage = critical,digitalSignature
                    extendedKeyUsage = serverAuth,clientAuth
                    subjectAltName = DNS:alice,IP:\(aliceIP)

                    """.utf8).write(to: URL(fileURLWithPath: dir + "/ext"))
                    for step in [
                        [openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=alice",
                         "-keyout", dir + "/alice.key", "-out", dir + "/alice.csr"],
                        try ClockShift.command(86_400, in: dir, [openssl, "x509", "-req", "-in", dir + "/alice.csr", "-CA", ca,
                            "-CAkey", controller.stateDir + "/ca.key", "-passin", "file:\(cluster.passphraseFile)", "-set_serial", "4242",
                            "-days", "2", "-extfile", dir + "/ext", "-out", dir + "/tomorrow.crt"]),
                        try ClockShift.command(-3 * 86_400, in: dir, [openssl, "x509", "-req", "-in", dir + "/alice.csr", "-CA", ca,
                            "-CAkey", controller.stateDir + "/ca.key", "-passin", "file:\(cluster.passphraseFile)", "-set_serial", "4241",
                            "-days", "1", "-extfile", dir + "/ext", "-out", dir + "/expired.crt"]),
                        [openssl, "x509", "-req", "-in", dir + "/alice.csr", "-CA", ca, "-CAkey", controller.stateDir + "/ca.key",
                         "-passin", "file:\(cluster.passphraseFile)", "-set_serial", "4243", "-days", "2", "-extfile", dir + "/ext",
                         "-out", dir + "/now.crt"],
                    ] {
                        let r = try await Command.run(step[0], Array(step.dropFirst()))
                        try #require(r.succeeded, "\(r)")
                    }
                    // What openssl itself says: the CA's signatures are good, only the dates are wrong.
                    let dated = [("tomorrow.crt", "not yet valid", "bad certificate"), ("expired.crt", "expired", "certificate expired")]
                    for (cert, reason, _) in dated {
                        let check = try await Command.run(openssl, ["verify", "-CAfile", ca, dir + "/" + cert])
                        #expect(!check.succeeded && (check.stdout + check.stderr).contains(reason), "\(check)")
                        let timeless = try await Command.run(openssl, ["verify", "-CAfile", ca, "-no_check_time", dir + "/" + cert])
                        #expect(timeless.succeeded, "\(cert) verifies when the dates are not checked: \(timeless)")
                    }

                    let polls = try await alice.ctl.nodeStatus().rosterPolls
                    let logMarks = (controller.process.stderrText.count, alice.log.count)
                    func present(_ cert: String, to target: String) async throws -> String {
                        let r = try await Netns.run(mallory, [openssl, "s_client", "-connect", target, "-tls1_3", "-cert", dir + "/" + cert,
                                                              "-key", dir + "/alice.key", "-CAfile", ca, "-ign_eof"], stdin: "", limit: 30)
                        return r.stdout + r.stderr
                    }
                    func roster(_ cert: String) async throws -> CommandResult {
                        try await Netns.run(mallory, [
                            try Tools.find("curl"), "-sS", "-o", "-", "-w", "\n%{http_code}", "--cacert", ca,
                            "--cert", dir + "/" + cert, "--key", dir + "/alice.key", "-X", "POST", "-H", "content-type: application/json",
                            "-d", "{\"listenPort\": 7444}", "https://198.18.0.1:7443/v1/roster"], limit: 30)
                    }

                    // Not yet valid, or expired: the handshake ends in an alert, on the controller and on
                    // alice's peer port, and each daemon logs why.
                    for (cert, reason, alert) in dated {
                        for target in ["198.18.0.1:7443", "198.18.0.2:7444"] {
                            let out = try await present(cert, to: target)
                            #expect(out.contains("alert \(alert)"), "\(target) with \(cert): \(out)")
                            #expect(!out.contains("on the roster") && !out.contains("unknown_certificate"), "\(target): \(out)")
                        }
                        let refused = try await roster(cert)
                        #expect(refused.stdout.hasSuffix("000") && refused.stderr.contains("alert"), "curl with \(cert): \(refused)")
                        let controllerLog = String(controller.process.stderrText.dropFirst(logMarks.0))
                        let aliceLog = String(alice.log.dropFirst(logMarks.1))
                        #expect(controllerLog.contains("certificate \(reason)"), "the controller says why: \(controllerLog.suffix(1500))")
                        #expect(aliceLog.contains("certificate \(reason)"), "alice says why: \(aliceLog.suffix(1500))")
                    }

                    // Valid now: through the handshake, then refused by the roster (alice's registered
                    // certificate is another), so the refusals above were the dates' doing.
                    let current = try await roster("now.crt")
                    #expect(current.stdout.hasSuffix("403") && current.stdout.contains("unknown_certificate"), "\(current)")
                    let toAlice = try await present("now.crt", to: "198.18.0.2:7444")
                    #expect(toAlice.contains("not the one on the roster"), "\(toAlice)")

                    // The network keeps serving: polls go on, the mesh is up, traffic flows, the roster is the two.
                    try await eventually("alice polls the controller afterwards") {
                        let now = try await alice.ctl.nodeStatus().rosterPolls
                        guard now > polls + 1 else { throw NotYet("\(now) polls") }
                    }
                    try await cluster.waitFullMesh([alice, bob])
                    let bobIP = try await bob.ctl.nodeStatus().overlayIP
                    let ping = try await Netns.run(try lab.namespace("alice"), ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", bobIP])
                    #expect(ping.succeeded, "\(ping)")
                    let listing = try await controller.ctl.roster()
                    #expect(listing.nodes.map(\.name).sorted() == ["alice", "bob"])
                    #expect(listing.nodes.first { $0.name == "alice" }?.fingerprint == (try await RenewalTests.certificate(alice)).fingerprint,
                            "alice's registered certificate is still her own")
                }
            }
        }
    }
}
