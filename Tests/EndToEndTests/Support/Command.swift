import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished short-lived command left behind.
struct CommandResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String

    var succeeded: Bool { status == 0 }
    var description: String {
        "`\(arguments.joined(separator: " "))` exited \(status); stdout: \(stdout.trimmed.isEmpty ? "-" : stdout.trimmed); stderr: \(stderr.trimmed.isEmpty ? "-" : stderr.trimmed)"
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Runs short-lived commands (overlayctl, ip, openssl) with a bound on how long they may take.
enum Command {
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    limit: Double = 30) async throws -> CommandResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-e2e-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let inURL = dir.appendingPathComponent("in")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        try? out.close(); try? err.close()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int(limit * 1000)))
        while process.isRunning {
            if clock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw SetupError("`\(([executable] + arguments).joined(separator: " "))` did not finish within \(Int(limit)) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return CommandResult(arguments: [executable] + arguments, status: process.terminationStatus,
                             stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Synchronous variant for setup and teardown code that cannot await (e.g. `defer`).
    @discardableResult
    static func runSync(_ executable: String, _ arguments: [String]) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return CommandResult(arguments: [executable] + arguments, status: -1, stdout: "", stderr: "\(error)")
        }
        // Small outputs only (ip commands); read both to EOF, then reap.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(arguments: [executable] + arguments, status: process.terminationStatus,
                             stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

/// System tools the tests use besides our own binaries.
enum Tools {
    static func find(_ name: String) throws -> String {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"] {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SetupError("\(name) is not installed (looked in /usr/sbin, /usr/bin, /sbin, /bin, /usr/local)")
    }

    static func ip() throws -> String { try find("ip") }
    static func openssl() throws -> String { try find("openssl") }
}
