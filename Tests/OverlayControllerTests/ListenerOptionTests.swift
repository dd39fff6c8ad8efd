import Foundation
import Testing

/// `--metrics-listen` and `--status-listen` refuse what they cannot serve:
/// the controller exits non-zero naming the option, and leaves no socket.
@Suite("Metrics and status listeners", .timeLimit(.minutes(5)))
struct ListenerOptionTests {
    @Test("a --metrics-listen or --status-listen address already in use is refused, naming the option", arguments: ["--metrics-listen", "--status-listen"])
    func addressInUse(_ option: String) async throws {
        try await withTempDirectory { dir in
            try dir.write("passphrase", ControllerProcess.passphrase + "\n")
            let port = try ControllerProcess.freePort()
            // The TLS API takes the port first, so the optional listener cannot have it.
            let args = ControllerProcess.arguments(in: dir, port: port, options: .init(extraArguments: [option, "127.0.0.1:\(port)"]))
            let result = try await ChildProcess.run(try Binaries.path("overlayd-controller"), args, in: dir, tag: "in-use")
            #expect(result.status != 0, "the controller must not start: \(result.stderr)")
            #expect(result.stderr.contains("(\(option))") && result.stderr.contains("127.0.0.1:\(port)"), "\(result.stderr)")
            #expect(result.stderr.contains("choose a free address"), "\(result.stderr)")
            #expect(!fileExists(dir.file("ctl.sock")), "a controller that did not start leaves no socket")
        }
    }

    @Test("a malformed --status-listen is refused with the expected form")
    func malformedAddress() async throws {
        try await withTempDirectory { dir in
            try dir.write("passphrase", ControllerProcess.passphrase + "\n")
            let args = ControllerProcess.arguments(in: dir, port: try ControllerProcess.freePort(),
                                                   options: .init(extraArguments: ["--status-listen", "loopback"]))
            let result = try await ChildProcess.run(try Binaries.path("overlayd-controller"), args, in: dir, tag: "malformed")
            #expect(result.status != 0)
            #expect(result.stderr.contains("loopback") && result.stderr.contains("HOST:PORT"), "\(result.stderr)")
        }
    }
}
