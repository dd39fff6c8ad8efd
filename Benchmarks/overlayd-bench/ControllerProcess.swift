import Foundation
import NIOPosix
import OverlayCore

/// The real `overlayd-controller` (release build, next to this binary) in a
/// throw-away state directory.
final class ControllerProcess: @unchecked Sendable {
    let directory: String
    let port: Int
    let socket: String
    private let process = Process()

    /// Starts the controller binary built next to this benchmark (`.build/release`).
    init(activeTimeout: String) throws {
        let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        directory = NSTemporaryDirectory() + "overlayd-bench-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pass = directory + "/pass"
        _ = FileManager.default.createFile(atPath: pass, contents: Data("bench passphrase \(UUID())".utf8),
                                       attributes: [.posixPermissions: 0o600])
        port = try Self.freePort()
        socket = directory + "/c.sock"
        process.executableURL = URL(fileURLWithPath: binDirectory + "/overlayd-controller")
        process.arguments = ["--state-dir", directory + "/state", "--listen", "127.0.0.1:\(port)", "--socket", socket,
                             "--passphrase-file", pass, "--active-timeout", activeTimeout, "--log-level", "error",
                             // The whole fleet enrolls and holds its connections from 127.0.0.1: no per-source limit may slow it.
                             "--enroll-rate", "1000000/min", "--max-connections-per-source", "32768"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func waitReady() async throws {
        for _ in 0..<300 {
            if let c = try? await HTTPClientConnection.connect(unixSocket: socket, group: MultiThreadedEventLoopGroup.singleton) {
                await c.close()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("overlayd-controller did not come up (socket \(socket))")
    }

    /// CPU seconds (user + system) the controller has used so far.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    var rssMiB: Double { statusMiB("VmRSS:") }

    /// The highest RSS so far.
    var peakRSSMiB: Double { statusMiB("VmHWM:") }

    private func statusMiB(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
        return (Double(line.split(separator: " ")[1]) ?? 0) / 1024
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func freePort() throws -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw BenchError("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
