import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// What the controller refuses to start with, and how it starts and stops:
/// each refusal exits non-zero, says why on stderr, and leaves no socket.
@Suite("Startup and shutdown", .timeLimit(.minutes(5)))
struct StartupTests {
    /// Runs the controller in `dir` and expects it to refuse to start.
    static func refusal(in dir: TempDirectory, options: ControllerProcess.Options = .init(), passphrase: Bool = true,
                        environment: [String: String]? = nil) async throws -> ChildProcess.Result {
        let args = ControllerProcess.arguments(in: dir, port: try ControllerProcess.freePort(), options: options, passphrase: passphrase)
        let result = try await ChildProcess.run(try Binaries.path("overlayd-controller"), args, environment: environment,
                                                in: dir, tag: "refused")
        #expect(result.status != 0, "the controller must not start: \(result.stderr)")
        #expect(!fileExists(dir.file("ctl.sock")), "a controller that did not start leaves no socket")
        return result
    }

    @Test("no passphrase: refuses to start and names --passphrase-file and the systemd credential")
    func noPassphrase() async throws {
        try await withTempDirectory { dir in
            let result = try await Self.refusal(in: dir, passphrase: false)
            #expect(result.stderr.contains("--passphrase-file"))
            #expect(result.stderr.contains("LoadCredential=passphrase"))
            #expect(!fileExists(dir.file("state/ca.key")), "no CA is made without a passphrase to protect its key")
        }
    }

    @Test("a passphrase shorter than 8 bytes is refused")
    func shortPassphrase() async throws {
        try await withTempDirectory { dir in
            try dir.write("passphrase", "short\n")
            let result = try await Self.refusal(in: dir)
            #expect(result.stderr.contains("at least 8 bytes"))
            #expect(result.stderr.contains(dir.file("passphrase")))
        }
    }

    @Test("a missing passphrase file is refused, naming the file")
    func missingPassphraseFile() async throws {
        try await withTempDirectory { dir in
            let result = try await Self.refusal(in: dir)
            #expect(result.stderr.contains(dir.file("passphrase")))
        }
    }

    @Test("the passphrase can come from the systemd credential directory")
    func credentialDirectory() async throws {
        try await withTempDirectory { dir in
            let credentials = dir.file("credentials")
            try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
            try dir.write("credentials/passphrase", ControllerProcess.passphrase)
            var env = ChildProcess.cleanEnvironment
            env["CREDENTIALS_DIRECTORY"] = credentials
            let args = ControllerProcess.arguments(in: dir, port: try ControllerProcess.freePort(), options: .init(), passphrase: false)
            let child = try ChildProcess(try Binaries.path("overlayd-controller"), args, environment: env, outputIn: dir, tag: "cred")
            try await waitUntil("the controller to answer on its socket") {
                if !child.isRunning { throw StartFailure(status: try await child.wait(), stderr: child.stderr) }
                return (try? await ControlClient(socketPath: dir.file("ctl.sock")).status()) != nil
            }
            #expect(readText(dir.file("state/ca.key")).contains("ENCRYPTED PRIVATE KEY"))
            child.signal(SIGTERM)
            #expect(try await child.wait() == 0)
            #expect(!fileExists(dir.file("ctl.sock")))
        }
    }

    @Test("a --network different from the stored one is refused on restart; the stored one is kept")
    func networkMismatch() async throws {
        try await withTempDirectory { dir in
            let first = try await ControllerProcess.start(in: dir, options: .init(network: "10.60.0.0/24"))
            _ = try await first.enroll("alpha")
            #expect(try await first.stop() == 0)

            let result = try await Self.refusal(in: dir, options: .init(network: "10.61.0.0/24"))
            #expect(result.stderr.contains("10.60.0.0/24"))
            #expect(result.stderr.contains("10.61.0.0/24"))

            let again = try await ControllerProcess.start(in: dir, options: .init(network: nil))
            #expect(try await again.control.status().network == "10.60.0.0/24")
            #expect(try await again.control.roster().nodes.map(\.name) == ["alpha"])
            #expect(try await again.stop() == 0)
        }
    }

    @Test("a wrong passphrase for an existing CA key is refused")
    func wrongPassphrase() async throws {
        try await withTempDirectory { dir in
            let first = try await ControllerProcess.start(in: dir)
            #expect(try await first.stop() == 0)
            try dir.write("passphrase", "a different passphrase")
            let result = try await Self.refusal(in: dir)
            #expect(result.stderr.contains("wrong passphrase"))
            #expect(result.stderr.contains("ca.key"))
        }
    }

    @Test("settings can come from a --config file (TOML, same names); unknown settings are refused")
    func configFile() async throws {
        try await withTempDirectory { dir in
            let port = try ControllerProcess.freePort()
            let config = try dir.write("controller.conf", """
                state-dir = "\(dir.file("state"))"
                listen = "127.0.0.1:\(port)"
                socket = "\(dir.file("ctl.sock"))"
                network = "10.90.0.0/24"
                active-timeout = "45s"
                passphrase-file = "\(dir.file("passphrase"))"
                """)
            try dir.write("passphrase", ControllerProcess.passphrase)
            let child = try ChildProcess(try Binaries.path("overlayd-controller"), ["--config", config], outputIn: dir, tag: "config")
            try await waitUntil("the controller to answer on its socket") {
                if !child.isRunning { throw StartFailure(status: try await child.wait(), stderr: child.stderr) }
                return (try? await ControlClient(socketPath: dir.file("ctl.sock")).status()) != nil
            }
            let status = try await ControlClient(socketPath: dir.file("ctl.sock")).status()
            #expect(status.network == "10.90.0.0/24")
            #expect(status.activeTimeoutSeconds == 45)
            #expect(status.listen == "127.0.0.1:\(port)")
            child.signal(SIGTERM)
            #expect(try await child.wait() == 0)

            let bad = try dir.write("bad.conf", "listen = \"127.0.0.1:1\"\nlisten-port = 7443\n")
            let refused = try await ChildProcess.run(try Binaries.path("overlayd-controller"), ["--config", bad], in: dir, tag: "badconf")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("listen-port"))
        }
    }

    @Test("SIGINT stops the controller as cleanly as SIGTERM")
    func sigint() async throws {
        try await withTempDirectory { dir in
            let controller = try await ControllerProcess.start(in: dir)
            #expect(try await controller.stop(signal: SIGINT) == 0)
            #expect(!fileExists(controller.socketPath))
        }
    }

    @Test("a second controller on the same socket refuses to start and leaves the first one serving")
    func socketInUse() async throws {
        try await withTempDirectory { dir in
            let first = try await ControllerProcess.start(in: dir)
            let other = try TempDirectory()
            defer { other.remove() }
            try other.write("passphrase", ControllerProcess.passphrase)
            let args = ["--state-dir", other.file("state"), "--listen", "127.0.0.1:\(try ControllerProcess.freePort())",
                        "--socket", first.socketPath, "--passphrase-file", other.file("passphrase")]
            let result = try await ChildProcess.run(try Binaries.path("overlayd-controller"), args, in: other, tag: "second")
            #expect(result.status != 0)
            #expect(result.stderr.contains(first.socketPath))
            #expect(try await first.control.status().registeredNodes == 0, "the first controller still answers")
            #expect(try await first.stop() == 0)
        }
    }
}
