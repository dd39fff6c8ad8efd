import Foundation

/// The real `openssl` command, run as a child process. Output goes to files
/// (no pipe can fill up and stall the child); waiting polls, so no thread of
/// the test's cooperative pool is blocked.
struct OpenSSLTool: Sendable {
    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
        var output: String { stdout + stderr }
    }

    static let path = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/bin/openssl"

    /// Runs `openssl args…` to completion with `stdin` (or an empty input).
    static func run(_ args: [String], stdin: String = "", in dir: TempDirectory, timeout: Int = 60) async throws -> Result {
        let running = try RunningTool(args, in: dir)
        running.send(stdin)
        running.closeInput()
        return try await running.finish(timeout: timeout)
    }
}

/// A started `openssl` process whose input the test controls.
final class RunningTool: @unchecked Sendable {
    // Process is configured once in init and then only queried or signalled.
    private let process = Process()
    private let input = Pipe()
    private let stdoutPath: String
    private let stderrPath: String

    /// Writing to the stdin of a child that already exited must give EPIPE, not kill the test process.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    init(_ args: [String], in dir: TempDirectory) throws {
        Self.ignoreSIGPIPE
        let tag = UUID().uuidString.prefix(8)
        stdoutPath = dir.file("openssl-\(tag).out")
        stderrPath = dir.file("openssl-\(tag).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: OpenSSLTool.path)
        process.arguments = args
        process.standardInput = input
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        // Swift's concurrency threads block nearly every signal and a spawned child
        // inherits that mask (SIGTERM, SIGINT, SIGALRM…): unblock for the spawn only.
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    var stdout: String { Self.read(stdoutPath) }
    var stderr: String { Self.read(stderrPath) }
    var isRunning: Bool { process.isRunning }

    func send(_ text: String) {
        guard !text.isEmpty else { return }
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    /// Polls `condition` over the output until it holds; false if the process
    /// exited or the deadline passed first.
    func waitForOutput(timeout: Int = 30, _ condition: (String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if condition(stdout + stderr) { return true }
            if !process.isRunning { return condition(stdout + stderr) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits for exit; terminates the process and throws if it outlives `timeout`.
    func finish(timeout: Int = 60) async throws -> OpenSSLTool.Result {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                stop()
                throw TimedOut(what: "openssl \(process.arguments?.first ?? "") to exit; output so far: \(stdout) \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return OpenSSLTool.Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Ends the process (this one only, by its pid) if it is still running.
    func stop() {
        closeInput()
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func read(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
