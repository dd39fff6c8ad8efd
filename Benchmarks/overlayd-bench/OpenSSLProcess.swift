import Foundation
import Synchronization

/// One run of the `openssl` command. Its exit time is taken in the
/// termination handler, so a measurement that ends with the process ending
/// is not rounded up to a polling interval.
final class OpenSSLProcess: @unchecked Sendable {
    enum Input { case heldOpen, file(String), none }
    enum Output { case discard, file(String) }

    // Configured in init, then only queried or signalled.
    private let process = Process()
    private let inputPipe: Pipe?
    private let exitedAt = ExitStamp()

    init(_ arguments: [String], input: Input = .none, output: Output = .discard) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        switch input {
        case .heldOpen:
            let pipe = Pipe()
            inputPipe = pipe
            process.standardInput = pipe
        case .file(let path):
            inputPipe = nil
            process.standardInput = FileHandle(forReadingAtPath: path)
        case .none:
            inputPipe = nil
            process.standardInput = FileHandle.nullDevice
        }
        switch output {
        case .discard:
            process.standardOutput = FileHandle.nullDevice
        case .file(let path):
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: path)
        }
        process.standardError = FileHandle.nullDevice
        process.terminationHandler = { [exitedAt] _ in exitedAt.mark() }
        try Self.launch(process)
    }

    /// Swift's concurrency threads (and the main thread under dispatch_main) block
    /// nearly every signal, and a spawned child inherits that mask: `openssl speed`
    /// would never see its SIGALRM and SIGTERM would not stop anything. Unblock
    /// on this thread for the moment of the spawn only.
    static func launch(_ process: Process) throws {
        var none = sigset_t(), saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    /// Waits for the process to end; returns its status and when it ended.
    func exit(within seconds: Int = 120) async throws -> (status: Int32, at: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            if let at = exitedAt.instant {
                process.waitUntilExit()
                return (process.terminationStatus, at)
            }
            if ContinuousClock.now > deadline {
                stop()
                throw BenchError("openssl \(process.arguments?.first ?? "") did not finish within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Ends this process (by its pid) if it still runs.
    func stop() {
        try? inputPipe?.fileHandleForWriting.close()
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<200 where process.isRunning { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits until something listens on 127.0.0.1:`port` (openssl s_server -quiet prints nothing when ready).
    static func waitForListener(port: Int, within seconds: Int = 10) async throws {
        let local = String(format: "0100007F:%04X", port)
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
            for line in table.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1] == local, fields[3] == "0A" { return }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("nothing listens on 127.0.0.1:\(port)")
    }
}

/// When a process ended, written by Foundation's termination handler thread.
final class ExitStamp: Sendable {
    private let value = Mutex<ContinuousClock.Instant?>(nil)
    func mark() { value.withLock { $0 = .now } }
    var instant: ContinuousClock.Instant? { value.withLock { $0 } }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
