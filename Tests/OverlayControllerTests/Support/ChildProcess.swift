import Foundation

/// A real child process (the controller, curl, sqlite3). Its output goes to
/// files, so no pipe can fill up and stall it; waiting polls, so no thread of
/// the test's cooperative pool is blocked.
final class ChildProcess: @unchecked Sendable {
    // Configured once in init, then only queried or signalled.
    private let process = Process()
    let stdoutPath: String
    let stderrPath: String
    let commandLine: String

    struct Result: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
         outputIn dir: TempDirectory, tag: String) throws {
        let unique = "\(tag)-\(UUID().uuidString.prefix(6))"
        stdoutPath = dir.file("\(unique).out")
        stderrPath = dir.file("\(unique).err")
        commandLine = ([executable] + arguments).joined(separator: " ")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment ?? Self.cleanEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    /// A child the test forgot (it failed half-way) does not outlive it.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The test's environment without a systemd credentials directory, so a
    /// passphrase can only come from where a test puts it.
    static var cleanEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        return env
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdout: String { readText(stdoutPath) }
    var stderr: String { readText(stderrPath) }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the exit and returns the exit status; a death by signal is
    /// reported as 128 + signal, like a shell does. Kills the child and throws
    /// when it does not exit within `bound`.
    func wait(bound: Duration = Bound.process) async throws -> Int32 {
        do {
            try await waitUntil("\(commandLine) to exit", bound: bound, interval: .milliseconds(20)) { !process.isRunning }
        } catch {
            signal(SIGKILL)
            throw error
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Runs a command to completion.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    in dir: TempDirectory, tag: String, bound: Duration = Bound.process) async throws -> Result {
        let child = try ChildProcess(executable, arguments, environment: environment, outputIn: dir, tag: tag)
        let status = try await child.wait(bound: bound)
        return Result(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}

/// Where the built programs are: next to the test bundle (the scratch
/// path's debug directory), or in `OVERLAYD_BIN_DIR`.
enum Binaries {
    static func path(_ name: String) throws -> String {
        var dirs: [String] = []
        if let dir = ProcessInfo.processInfo.environment["OVERLAYD_BIN_DIR"] { dirs.append(dir) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = (exe as NSString).deletingLastPathComponent
            for _ in 0..<4 {
                dirs.append(dir)
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        dirs += [root + "/.build-ctl/debug", root + "/.build/debug"]
        for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        throw MissingBinary(name: name, searched: dirs)
    }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

struct MissingBinary: Error, CustomStringConvertible {
    let name: String
    let searched: [String]
    var description: String {
        "\(name) is not built; run 'swift build --build-tests' first (looked in \(searched.joined(separator: ", ")))"
    }
}
