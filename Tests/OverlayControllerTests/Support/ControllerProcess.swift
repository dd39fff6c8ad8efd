import Foundation
import OverlayTLS

/// The real `overlayd-controller` binary, run as a child process in its own
/// temporary directory: state in `state/`, control socket `ctl.sock`,
/// passphrase file `passphrase`, TLS API on 127.0.0.1 at a free port.
/// Ready once the control socket answers `GET /v1/status`.
final class ControllerProcess: @unchecked Sendable {
    // Used by one test task at a time; `restart` swaps the child.
    struct Options: Sendable {
        /// `--network`; nil leaves it out (default on first start, stored range afterwards).
        var network: String? = "10.77.0.0/24"
        /// `--active-timeout`; nil leaves it out (30s). Long by default, so a
        /// heartbeat never lapses between two steps of a test on a busy machine.
        var activeTimeout: String? = "10m"
        var extraArguments: [String] = []
    }

    static let passphrase = "correct horse battery staple"

    let dir: TempDirectory
    var stateDir: String { dir.file("state") }
    var socketPath: String { dir.file("ctl.sock") }
    var passphraseFile: String { dir.file("passphrase") }
    private(set) var port: Int
    private(set) var child: ChildProcess
    private(set) var options: Options
    /// The network CA, as the controller wrote it to its state directory.
    private(set) var ca: Certificate

    var control: ControlClient { ControlClient(socketPath: socketPath) }
    var logs: String { child.stderr }

    private init(dir: TempDirectory, port: Int, child: ChildProcess, options: Options, ca: Certificate) {
        self.dir = dir
        self.port = port
        self.child = child
        self.options = options
        self.ca = ca
    }

    /// Starts a controller in `dir` (creating the network on first start).
    static func start(in dir: TempDirectory, options: Options = Options()) async throws -> ControllerProcess {
        if !fileExists(dir.file("passphrase")) { try dir.write("passphrase", passphrase + "\n") }
        let (port, child) = try await launch(in: dir, options: options)
        let ca = try Certificate(file: dir.file("state/ca.crt"))
        return ControllerProcess(dir: dir, port: port, child: child, options: options, ca: ca)
    }

    /// The command line for `dir`, minus anything a test wants to leave out.
    static func arguments(in dir: TempDirectory, port: Int, options: Options, passphrase: Bool = true) -> [String] {
        var args = ["--state-dir", dir.file("state"), "--listen", "127.0.0.1:\(port)", "--socket", dir.file("ctl.sock")]
        if passphrase { args += ["--passphrase-file", dir.file("passphrase")] }
        if let network = options.network { args += ["--network", network] }
        if let timeout = options.activeTimeout { args += ["--active-timeout", timeout] }
        return args + options.extraArguments
    }

    /// Starts the binary on a free port, retrying with another port if the
    /// one picked was taken in between.
    private static func launch(in dir: TempDirectory, options: Options) async throws -> (Int, ChildProcess) {
        let binary = try Binaries.path("overlayd-controller")
        var attempt = 0
        while true {
            attempt += 1
            let port = try freePort()
            let child = try ChildProcess(binary, arguments(in: dir, port: port, options: options),
                                         outputIn: dir, tag: "controller")
            do {
                try await waitUntilReady(child, socket: dir.file("ctl.sock"))
                return (port, child)
            } catch let failure as StartFailure where failure.stderr.contains("Address already in use") && attempt < 5 {
                continue
            }
        }
    }

    private static func waitUntilReady(_ child: ChildProcess, socket: String) async throws {
        do {
            try await waitUntil("the controller's control socket \(socket)", bound: Bound.process) {
                if !child.isRunning { throw StartFailure(status: try await child.wait(), stderr: child.stderr) }
                guard fileExists(socket) else { return false }
                return (try? await ControlClient(socketPath: socket).call(.GET, "/v1/status").status) == 200
            }
        } catch let error as TimedOut {
            child.signal(SIGKILL)
            _ = try? await child.wait()
            throw StartFailure(status: -1, stderr: "\(error)\n" + child.stderr)
        }
    }

    /// SIGKILL (no shutdown at all), then a start on the same state directory and socket: what survives a crash.
    func killAndRestart() async throws {
        _ = try await stop(signal: SIGKILL)
        let (port, child) = try await Self.launch(in: dir, options: options)
        self.port = port
        self.child = child
    }

    /// SIGTERM (or another signal), then the exit status once it has exited.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) async throws -> Int32 {
        child.signal(signal)
        return try await child.wait()
    }

    /// Stops this controller (it must exit 0) and starts it again on the same
    /// state directory and socket, with `options` if given.
    func restart(options newOptions: Options? = nil) async throws {
        let status = try await stop()
        guard status == 0 else { throw StartFailure(status: status, stderr: "stopping for a restart: \(child.stderr)") }
        if let newOptions { options = newOptions }
        let (port, child) = try await Self.launch(in: dir, options: options)
        self.port = port
        self.child = child
        self.ca = try Certificate(file: stateDir + "/ca.crt")
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TimedOut(what: "a socket to find a free port") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw TimedOut(what: "a free port (\(String(cString: strerror(errno))))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// The controller exited (or never answered) instead of becoming ready.
struct StartFailure: Error, CustomStringConvertible {
    let status: Int32
    let stderr: String
    var description: String { "the controller did not start (exit status \(status)):\n\(stderr)" }
}

/// At most this many controllers run at once, whatever the test runner's
/// parallelism: the machine has two cores.
actor ProcessSlots {
    static let shared = ProcessSlots(limit: 3)

    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { available = limit }

    func acquire() async {
        if available > 0 { available -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { available += 1 } else { waiting.removeFirst().resume() }
    }
}
