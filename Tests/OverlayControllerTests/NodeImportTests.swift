import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Pre-shared certificates made with the openssl command (certs/): the real
/// scripts, the real controller binary adopting the CA they make, and
/// `POST /v1/nodes` / `overlayctl node add --cert` registering the node
/// certificates they make.
@Suite("Pre-shared certificates (certs/)", .timeLimit(.minutes(5)),
       .enabled(if: Binaries.tool("openssl") != nil, "needs the openssl command"))
struct NodeImportTests {
    // MARK: - The scripts and the tools

    /// The repository's certs/ directory, found from this file.
    private static let certsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("certs").path

    private static let nodePassphrase = "a node's own passphrase"
    private static let network = "10.77.0.0/24"

    /// Runs certs/NAME under /bin/sh (POSIX sh, dash on Debian).
    private static func script(_ name: String, _ arguments: [String], in dir: TempDirectory) async throws -> ChildProcess.Result {
        try await ChildProcess.run("/bin/sh", [certsDir + "/" + name] + arguments, in: dir, tag: name)
    }

    private static func openssl(_ arguments: [String], in dir: TempDirectory) async throws -> ChildProcess.Result {
        try await ChildProcess.run(Binaries.tool("openssl")!, arguments, in: dir, tag: "openssl")
    }

    /// make-ca.sh -p PASSFILE DIR; returns the CA certificate.
    @discardableResult
    private static func makeCA(at path: String, passphraseFile: String, in dir: TempDirectory) async throws -> Certificate {
        let result = try await script("make-ca.sh", ["-p", passphraseFile, path], in: dir)
        try #require(result.status == 0, "make-ca.sh failed: \(result.stderr)")
        return try Certificate(file: path + "/ca.crt")
    }

    /// make-node.sh into dir/OUT (OUT defaults to the name); returns the output directory.
    @discardableResult
    private static func makeNode(_ name: String, ip: String, network: String = network, ca: String, out: String? = nil,
                                 controller: String = "127.0.0.1:7443", in dir: TempDirectory) async throws -> String {
        let outDir = dir.file(out ?? name)
        if !fileExists(dir.file("node-passphrase")) { try dir.write("node-passphrase", nodePassphrase + "\n") }
        let result = try await script("make-node.sh", ["-c", ca, "-p", dir.file("passphrase"), "-P", dir.file("node-passphrase"),
                                                       "-n", name, "-i", ip, "-N", network, "-C", controller, "-o", outDir], in: dir)
        try #require(result.status == 0, "make-node.sh failed: \(result.stderr)")
        return outDir
    }

    /// `POST /v1/nodes` on the control socket with the PEM in `file`.
    private static func add(_ file: String, to controller: ControllerProcess) async throws -> Reply {
        try await controller.control.call(.POST, "/v1/nodes", json: ["certificate": readText(file)])
    }

    /// The registered nodes, name=ip, as the control socket lists them.
    private static func registered(_ controller: ControllerProcess) async throws -> [String] {
        try await controller.control.roster().nodes.map { "\($0.name)=\($0.overlayIP)" }
    }

    /// A controller started in `dir` on the CA make-ca.sh wrote into its
    /// state directory; stopped after `body` (and it must exit 0).
    private static func withAdoptedController(in dir: TempDirectory,
                                              _ body: (ControllerProcess, Certificate) async throws -> Void) async throws {
        try dir.write("passphrase", ControllerProcess.passphrase + "\n")
        let ca = try await makeCA(at: dir.file("state"), passphraseFile: dir.file("passphrase"), in: dir)
        let controller = try await ControllerProcess.start(in: dir, options: .init(network: network))
        do {
            try await body(controller, ca)
        } catch {
            print("controller log after a failed test (\(error)):\n\(controller.logs)")
            _ = try? await controller.stop()
            throw error
        }
        #expect(try await controller.stop() == 0, "the controller must exit 0 on SIGTERM; its log:\n\(controller.logs)")
    }

    // MARK: - make-ca.sh and make-node.sh

    @Test("make-node.sh writes a ready node state directory whose certificate chains to the CA (openssl verify)")
    func makeNodeOutput() async throws {
        try await withTempDirectory { dir in
            try dir.write("passphrase", ControllerProcess.passphrase + "\n")
            let ca = try await Self.makeCA(at: dir.file("ca"), passphraseFile: dir.file("passphrase"), in: dir)
            #expect(ca.isCA)
            let out = try await Self.makeNode("alice", ip: "10.77.0.5", ca: dir.file("ca"), controller: "192.0.2.10:7443", in: dir)

            for purpose in ["sslclient", "sslserver"] {
                let verify = try await Self.openssl(["verify", "-CAfile", dir.file("ca/ca.crt"), "-purpose", purpose, out + "/node.crt"], in: dir)
                #expect(verify.status == 0, "openssl verify -purpose \(purpose): \(verify.stdout) \(verify.stderr)")
                #expect(verify.stdout.contains(": OK"))
            }

            let cert = try Certificate(file: out + "/node.crt")
            #expect(cert.commonName == "alice")
            #expect(cert.dnsNames == ["alice"])
            #expect(cert.ipAddresses == ["10.77.0.5"])
            #expect(!cert.isCA)
            #expect(try Certificate(file: out + "/ca.crt") == ca)
            try CertificateVerifier.verify(cert, chainsTo: ca)

            // The key: encrypted with the node's passphrase (not the CA's), 0600, and the certificate's.
            #expect(readText(out + "/node.key").hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
            let key = try PrivateKey.load(file: out + "/node.key", passphrase: Array(Self.nodePassphrase.utf8))
            #expect(key.matches(cert))
            #expect(throws: PKIError.self) {
                try PrivateKey.load(file: out + "/node.key", passphrase: Array(ControllerProcess.passphrase.utf8))
            }
            var st = stat()
            #expect(stat(out + "/node.key", &st) == 0 && st.st_mode & 0o777 == 0o600)
            #expect(stat(dir.file("ca/ca.key"), &st) == 0 && st.st_mode & 0o777 == 0o600)

            // No key anywhere in plain text, and no leftovers (CSR, extension file).
            for folder in [out, dir.file("ca")] {
                let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                #expect(names == (folder == out ? ["ca.crt", "node.crt", "node.json", "node.key"] : ["ca.crt", "ca.key"]))
                for name in names {
                    let text = readText(folder + "/" + name)
                    #expect(!text.contains("BEGIN PRIVATE KEY") && !text.contains("BEGIN EC PRIVATE KEY"), "\(folder)/\(name)")
                }
            }

            // node.json: what NodeIdentity.load reads.
            let meta = try #require(try JSONSerialization.jsonObject(with: Data(readText(out + "/node.json").utf8)) as? [String: Any])
            #expect(meta["name"] as? String == "alice")
            #expect(meta["overlayIP"] as? String == "10.77.0.5")
            #expect(meta["network"] as? String == Self.network)
            #expect(meta["controllers"] as? [String] == ["192.0.2.10:7443"])
        }
    }

    @Test("make-node.sh refuses bad input with a message saying what to do, and writes nothing")
    func makeNodeRefusals() async throws {
        try await withTempDirectory { dir in
            try dir.write("passphrase", ControllerProcess.passphrase + "\n")
            try dir.write("wrong", "not the CA passphrase\n")
            try await Self.makeCA(at: dir.file("ca"), passphraseFile: dir.file("passphrase"), in: dir)
            let base = ["-c", dir.file("ca"), "-p", dir.file("passphrase"), "-C", "127.0.0.1:7443", "-N", Self.network]
            let cases: [([String], String)] = [
                (["-n", "Alice", "-i", "10.77.0.5"], "only lowercase letters"),
                (["-n", "overlayd-x", "-i", "10.77.0.5"], "reserved"),
                (["-n", "alice", "-i", "10.78.0.5"], "not a host address in 10.77.0.0/24"),
                (["-n", "alice", "-i", "10.77.0.255"], "not a host address in 10.77.0.0/24"),
                (["-n", "alice", "-i", "10.77.0"], "not an IPv4 address"),
                (["-n", "alice", "-i", "10.77.0.5", "-p", dir.file("wrong")], "cannot decrypt"),
            ]
            for (arguments, message) in cases {
                let result = try await Self.script("make-node.sh", base + arguments + ["-o", dir.file("out")], in: dir)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
                #expect(!fileExists(dir.file("out")), "\(arguments) must write nothing")
            }
            let help = try await Self.script("make-node.sh", ["-h"], in: dir)
            #expect(help.status == 0 && help.stdout.contains("usage: make-node.sh"))
            let again = try await Self.script("make-ca.sh", ["-p", dir.file("passphrase"), dir.file("ca")], in: dir)
            #expect(again.status != 0 && again.stderr.contains("already holds a CA"), "\(again.stderr)")
        }
    }

    // MARK: - The controller

    @Test("the controller adopts an operator's CA; a node made by make-node.sh is added and then admitted on the TLS API")
    func adoptAndImport() async throws {
        try await withTempDirectory { dir in
            try await Self.withAdoptedController(in: dir) { controller, ca in
                #expect(controller.logs.contains("adopted the operator's CA"), "\(controller.logs)")
                let status = try await controller.control.status()
                #expect(status.caFingerprint == ca.fingerprint)
                #expect(status.network == Self.network)
                #expect(controller.ca == ca)

                let out = try await Self.makeNode("alice", ip: "10.77.0.5", ca: controller.stateDir,
                                                  controller: "127.0.0.1:\(controller.port)", in: dir)
                let cert = try Certificate(file: out + "/node.crt")
                let key = try PrivateKey.load(file: out + "/node.key", passphrase: Array(Self.nodePassphrase.utf8))
                let client = try NodeClient(port: controller.port, certificate: cert, key: key, trusting: ca)

                // Signed by the right CA but not registered yet: refused.
                let before = try await client.call(.POST, "/v1/roster", json: RosterRequest(knownVersion: nil, advertise: nil, listenPort: 7301))
                #expect(before.status == 403 && before.apiError?.error == "unknown_certificate", "\(before)")

                let added = try await ChildProcess.run(try Binaries.path("overlayctl"),
                                                       ["node", "add", "--cert", out + "/node.crt", "--socket", controller.socketPath],
                                                       in: dir, tag: "overlayctl")
                #expect(added.status == 0, "\(added.stderr)")
                #expect(added.stdout.contains("added node alice (10.77.0.5)"), "\(added.stdout)")
                let listed = try #require(try await controller.control.node("alice"))
                #expect(listed.overlayIP == "10.77.0.5")
                #expect(listed.fingerprint == cert.fingerprint)

                // Now its certificate works on the roster endpoint, as an enrolled node's does.
                let roster = try await client.roster(listenPort: 7301)
                #expect(roster.nodes?.map(\.name) == ["alice"])
                #expect(roster.nodes?.first?.overlayIP == "10.77.0.5")
                #expect(roster.nodes?.first?.fingerprint == cert.fingerprint)
                #expect(try await controller.control.node("alice")?.active == true)

                // The real node starts from the directory with no token and heartbeats with it.
                let nodePort = try ControllerProcess.freePort()
                let node = try ChildProcess(try Binaries.path("overlayd-node"),
                                            ["--name", "alice", "--state-dir", out, "--listen", "127.0.0.1:\(nodePort)",
                                             "--socket", dir.file("alice.sock"), "--passphrase-file", dir.file("node-passphrase"),
                                             "--roster-interval", "1s", "--no-tun"], outputIn: dir, tag: "node")
                do {
                    try await waitUntil("alice to heartbeat from 127.0.0.1:\(nodePort)", bound: Bound.process) {
                        if !node.isRunning { return true }
                        return try await controller.control.node("alice")?.endpoint == "127.0.0.1:\(nodePort)"
                    }
                } catch {
                    node.signal(SIGKILL)
                    throw error
                }
                #expect(node.isRunning, "overlayd-node exited: \(node.stderr)")
                #expect(try await controller.control.node("alice")?.endpoint == "127.0.0.1:\(nodePort)")
                node.signal(SIGTERM)
                #expect(try await node.wait() == 0, "\(node.stderr)")
                #expect(!node.stderr.contains("enroll"), "a node with a ready state directory must not enroll: \(node.stderr)")

                // A restart loads the adopted CA like its own and keeps the node.
                try await controller.restart()
                #expect(!controller.logs.contains("adopted"), "a second start must not adopt again: \(controller.logs)")
                #expect(controller.ca == ca)
                #expect(try await Self.registered(controller) == ["alice=10.77.0.5"])
                let afterRestart = try NodeClient(port: controller.port, certificate: cert, key: key, trusting: ca)
                #expect(try await afterRestart.roster(listenPort: 7301).nodes?.map(\.name) == ["alice"])
            }
        }
    }

    @Test("POST /v1/nodes refuses a foreign, expired or misshapen certificate, a taken name or IP, an IP outside the range; stores nothing")
    func importRefusals() async throws {
        try await withTempDirectory { dir in
            try await Self.withAdoptedController(in: dir) { controller, ca in
                let alice = try await Self.makeNode("alice", ip: "10.77.0.5", ca: controller.stateDir, in: dir)
                let first = try await Self.add(alice + "/node.crt", to: controller)
                #expect(first.status == 201, "\(first)")
                #expect(try first.decode(RegisteredNode.self).name == "alice")
                let stored = try await Self.registered(controller)
                #expect(stored == ["alice=10.77.0.5"])

                // A whole other CA, and a node it signed.
                try dir.write("other-passphrase", "another network's passphrase\n")
                try await Self.makeCA(at: dir.file("other-ca"), passphraseFile: dir.file("other-passphrase"), in: dir)
                let mallory = dir.file("mallory")
                let made = try await Self.script("make-node.sh", ["-c", dir.file("other-ca"), "-p", dir.file("other-passphrase"),
                                                                  "-n", "mallory", "-i", "10.77.0.7", "-N", Self.network,
                                                                  "-C", "127.0.0.1:7443", "-o", mallory], in: dir)
                try #require(made.status == 0, "\(made.stderr)")

                let takenName = try await Self.makeNode("alice", ip: "10.77.0.8", ca: controller.stateDir, out: "alice-again", in: dir)
                let takenIP = try await Self.makeNode("carol", ip: "10.77.0.5", ca: controller.stateDir, in: dir)
                let outside = try await Self.makeNode("bob", ip: "10.78.0.5", network: "10.78.0.0/24", ca: controller.stateDir, in: dir)

                // Signed by the right CA but expired, or without clientAuth: made by hand with openssl.
                let dave = try await Self.makeNode("dave", ip: "10.77.0.9", ca: controller.stateDir, in: dir)
                let csr = try await Self.openssl(["req", "-new", "-key", dave + "/node.key", "-passin", "file:" + dir.file("node-passphrase"),
                                                  "-subj", "/CN=dave", "-out", dir.file("dave.csr")], in: dir)
                try #require(csr.status == 0, "\(csr.stderr)")
                func sign(_ out: String, days: String, extensions: String) async throws -> String {
                    let ext = try dir.write(out + ".ext", extensions + "\nsubjectAltName=DNS:dave,IP:10.77.0.9\nbasicConstraints=critical,CA:FALSE\n")
                    let signed = try await Self.openssl(["x509", "-req", "-in", dir.file("dave.csr"), "-CA", controller.stateDir + "/ca.crt",
                                                         "-CAkey", controller.stateDir + "/ca.key", "-passin", "file:" + dir.file("passphrase"),
                                                         "-days", days, "-extfile", ext, "-out", dir.file(out)], in: dir)
                    try #require(signed.status == 0, "\(signed.stderr)")
                    return dir.file(out)
                }
                let expired = try await sign("expired.crt", days: "-1", extensions: "extendedKeyUsage=serverAuth,clientAuth")
                let serverOnly = try await sign("server-only.crt", days: "30", extensions: "extendedKeyUsage=serverAuth")
                let garbage = try dir.write("garbage.crt", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")

                let cases: [(file: String, status: Int, code: String, says: String)] = [
                    (mallory + "/node.crt", 400, "foreign_certificate", "not issued by this network's CA"),
                    (takenName + "/node.crt", 409, "name_taken", "alice is already registered"),
                    (takenIP + "/node.crt", 409, "ip_taken", "10.77.0.5 is already registered to alice"),
                    (outside + "/node.crt", 400, "ip_out_of_range", "outside the network 10.77.0.0/24"),
                    (expired, 400, "certificate_expired", "expired"),
                    (serverOnly, 400, "invalid_certificate", "clientAuth"),
                    (controller.stateDir + "/ca.crt", 400, "invalid_certificate", "is a CA certificate"),
                    (garbage, 400, "invalid_certificate", "not a PEM certificate"),
                ]
                for c in cases {
                    let reply = try await Self.add(c.file, to: controller)
                    #expect(reply.status == c.status, "\(c.code): \(reply)")
                    #expect(reply.contentType?.hasPrefix("application/json") == true)
                    #expect(reply.apiError?.error == c.code, "\(reply)")
                    #expect(reply.apiError?.message.contains(c.says) == true, "\(c.code): \(reply)")
                    #expect(try await Self.registered(controller) == stored, "a refused import (\(c.code)) must store nothing")
                }
                let missing = try await controller.control.call(.POST, "/v1/nodes", json: ["cert": "x"])
                #expect(missing.status == 400 && missing.apiError?.error == "malformed_request", "\(missing)")

                // overlayctl says the refusal on stderr and exits 1.
                let refused = try await ChildProcess.run(try Binaries.path("overlayctl"),
                                                         ["node", "add", "--cert", mallory + "/node.crt", "--socket", controller.socketPath],
                                                         in: dir, tag: "overlayctl")
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("not issued by this network's CA"), "\(refused.stderr)")

                // The foreign node cannot get in on the TLS API either, and the controller serves on.
                let foreign = try NodeClient(port: controller.port, certificate: try Certificate(file: mallory + "/node.crt"),
                                             key: try PrivateKey.load(file: mallory + "/node.key",
                                                                      passphrase: Array("another network's passphrase".utf8)),
                                             trusting: ca)
                await #expect(throws: (any Error).self) { try await foreign.roster() }
                #expect(try await controller.control.status().registeredNodes == 1)

                // A removed imported node frees its name and IP for a new import.
                #expect(try await controller.control.removeNode("alice").status == 200)
                #expect(try await Self.add(takenIP + "/node.crt", to: controller).status == 201)
                #expect(try await Self.registered(controller) == ["carol=10.77.0.5"])
            }
        }
    }

    @Test("the controller refuses to adopt a CA whose key it cannot decrypt or that is not the certificate's, and says why")
    func adoptionRefusals() async throws {
        try await withTempDirectory { dir in
            // Made with one passphrase, controller given another.
            try dir.write("ca-passphrase", "the passphrase the CA was made with\n")
            try await Self.makeCA(at: dir.file("state"), passphraseFile: dir.file("ca-passphrase"), in: dir)
            try dir.write("passphrase", ControllerProcess.passphrase + "\n")
            let args = ControllerProcess.arguments(in: dir, port: try ControllerProcess.freePort(), options: .init(network: Self.network))
            let wrong = try await ChildProcess.run(try Binaries.path("overlayd-controller"), args, in: dir, tag: "refused")
            #expect(wrong.status != 0)
            #expect(wrong.stderr.contains("cannot adopt the CA"), "\(wrong.stderr)")
            #expect(wrong.stderr.contains("passphrase"), "\(wrong.stderr)")
            #expect(!fileExists(dir.file("ctl.sock")))

            // The key of another CA next to the certificate.
            try dir.write("other-passphrase", ControllerProcess.passphrase + "\n")
            try await Self.makeCA(at: dir.file("other"), passphraseFile: dir.file("other-passphrase"), in: dir)
            try FileManager.default.createDirectory(atPath: dir.file("mixed/state"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: dir.file("state/ca.crt"), toPath: dir.file("mixed/state/ca.crt"))
            try FileManager.default.copyItem(atPath: dir.file("other/ca.key"), toPath: dir.file("mixed/state/ca.key"))
            let mixedArgs = ["--state-dir", dir.file("mixed/state"), "--listen", "127.0.0.1:\(try ControllerProcess.freePort())",
                             "--socket", dir.file("mixed/ctl.sock"), "--passphrase-file", dir.file("passphrase")]
            let mixed = try await ChildProcess.run(try Binaries.path("overlayd-controller"), mixedArgs, in: dir, tag: "refused")
            #expect(mixed.status != 0)
            #expect(mixed.stderr.contains("is not the key of"), "\(mixed.stderr)")

            // Given the right passphrase, the first directory is adopted after all: the refusal stored nothing.
            try dir.write("passphrase", readText(dir.file("ca-passphrase")))
            let controller = try await ControllerProcess.start(in: dir, options: .init(network: Self.network))
            #expect(controller.logs.contains("adopted the operator's CA"))
            #expect(try await controller.control.status().network == Self.network)
            #expect(try await controller.stop() == 0)
        }
    }
}
