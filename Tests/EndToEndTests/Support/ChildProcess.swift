import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A long-running child (a daemon) whose stdout and stderr go to files in
/// the test's directory. Killed by the owner at the end of every test.
final class ChildProcess: @unchecked Sendable {
    let label: String
    let arguments: [String]
    let stdoutPath: String
    let stderrPath: String
    private let process = Process()
    private let lock = NSLock()

    /// Starts `executable arguments`; with `namespace`, through `ip netns exec NS`, which execs
    /// the program in place so the pid (and signals to it) are the daemon's own. `environment` adds to (or overrides)
    /// the test's environment, e.g. NOTIFY_SOCKET for the systemd tests.
    init(label: String, executable: String, arguments: [String], namespace: String? = nil, logDirectory: String,
         environment: [String: String] = [:]) throws {
        self.label = label
        self.stdoutPath = "\(logDirectory)/\(label).out"
        self.stderrPath = "\(logDirectory)/\(label).log"
        if let namespace {
            process.executableURL = URL(fileURLWithPath: try Tools.ip())
            process.arguments = ["netns", "exec", namespace, executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        self.arguments = [process.executableURL!.path] + (process.arguments ?? [])
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        // Appending, so a restarted daemon's log continues the same file.
        for path in [stdoutPath, stderrPath] where !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        out.seekToEndOfFile()
        err.seekToEndOfFile()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out.close()
        try? err.close()
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { lock.withLock { process.isRunning } }

    /// `(exited normally?, status or signal)` once the child is gone.
    var termination: (normalExit: Bool, code: Int32)? {
        lock.withLock {
            process.isRunning ? nil : (process.terminationReason == .exit, process.terminationStatus)
        }
    }

    func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    /// Waits (bounded) for the child to exit on its own or after a signal.
    func waitForExit(limit: Double = 30) async throws -> (normalExit: Bool, code: Int32) {
        try await eventually("\(label) (pid \(pid)) has exited", limit: limit, every: 0.05) {
            guard let t = termination else { throw NotYet("\(label) is still running") }
            return t
        }
    }

    /// Teardown: SIGKILL and reap, synchronously (usable from `defer`).
    func kill9() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}
