import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Daemon settings for one test's network. Short intervals so a test sees
/// many rounds quickly; a generous PING timeout so a busy 2-core machine
/// does not turn a slow PONG into a spurious `down`.
struct ClusterSettings: Sendable {
    var activeTimeout = "60s"
    var rosterInterval = "1s"
    var pingInterval = "1s"
    var pingTimeout = "5s"
    var network = "100.64.0.0/16"
    /// Extra controller flags, e.g. `--metrics-listen` or `--status-listen`.
    var controllerArguments: [String] = []
}

/// The controller of a test network: where it listens and how to reach its socket.
final class ControllerHandle: @unchecked Sendable {
    let host: String
    let port: Int
    let namespace: String?
    let stateDir: String
    let socket: String
    var process: ChildProcess
    var ctl: Overlayctl { Overlayctl(socket: socket) }
    var address: String { "\(host):\(port)" }

    init(host: String, port: Int, namespace: String?, stateDir: String, socket: String, process: ChildProcess) {
        self.host = host; self.port = port; self.namespace = namespace
        self.stateDir = stateDir; self.socket = socket; self.process = process
    }
}

/// One node daemon (one `overlayd-node` process at a time, restartable).
final class NodeHandle: @unchecked Sendable {
    /// The node's name on the network.
    let name: String
    /// Unique within the test: names files (two processes may claim the same name).
    let label: String
    let host: String
    let namespace: String?
    let stateDir: String
    let socket: String
    /// Added to the process's environment at every start, restarts included (e.g. `ClockShift`).
    let environment: [String: String]
    var process: ChildProcess
    var ctl: Overlayctl { Overlayctl(socket: socket) }

    init(name: String, label: String, host: String, namespace: String?, stateDir: String, socket: String,
         environment: [String: String] = [:], process: ChildProcess) {
        self.name = name; self.label = label; self.host = host; self.namespace = namespace
        self.stateDir = stateDir; self.socket = socket; self.environment = environment; self.process = process
    }

    var log: String { process.stderrText }
}

/// One test's overlay network: a temporary directory (state, sockets, logs,
/// passphrase), a controller and nodes as real processes. `Cluster.with`
/// always kills every process it started and removes the directory.
final class Cluster: @unchecked Sendable {
    let label: String
    let settings: ClusterSettings
    let directory: String
    let passphraseFile: String
    private(set) var controller: ControllerHandle?
    private(set) var nodes: [NodeHandle] = []
    private var children: [ChildProcess] = []
    private let lock = NSLock()

    /// Runs `body` with a fresh cluster; on any error prints the daemons' log tails; always tears down.
    static func with<T>(_ label: String, settings: ClusterSettings = ClusterSettings(),
                        _ body: (Cluster) async throws -> T) async throws -> T {
        let cluster = try Cluster(label: label, settings: settings)
        var failed = true
        defer { cluster.tearDown(keep: failed && ProcessInfo.processInfo.environment["OVERLAYD_E2E_KEEP"] != nil) }
        do {
            let result = try await body(cluster)
            failed = false
            return result
        } catch {
            cluster.printDiagnostics(because: error)
            throw error
        }
    }

    init(label: String, settings: ClusterSettings) throws {
        self.label = label
        self.settings = settings
        var base = FileManager.default.temporaryDirectory.path
        if base.count > 40 { base = "/tmp" }  // Unix socket paths must stay short (108 bytes).
        let dir = "\(base)/ovl-e2e-\(label)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        directory = dir
        passphraseFile = "\(dir)/passphrase"
        try Data("e2e-passphrase-\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: passphraseFile))
        chmod(passphraseFile, 0o600)
    }

    // MARK: Controller

    /// Starts the controller and waits until its control socket answers. Without `port`, picks a free
    /// one (and retries with another if that was taken in the meantime).
    @discardableResult
    func startController(host: String = "127.0.0.1", port: Int? = nil, namespace: String? = nil,
                         environment: [String: String] = [:]) async throws -> ControllerHandle {
        let stateDir = "\(directory)/controller"
        let socket = "\(directory)/controller.sock"
        var attempt = 0
        while true {
            attempt += 1
            let chosen = try port ?? freePort(host: host)
            let process = try launchController(host: host, port: chosen, namespace: namespace, stateDir: stateDir, socket: socket,
                                               environment: environment)
            let handle = ControllerHandle(host: host, port: chosen, namespace: namespace, stateDir: stateDir, socket: socket, process: process)
            do {
                try await waitControllerReady(handle, portChosenHere: port == nil && attempt < 3)
                lock.withLock { controller = handle }
                return handle
            } catch is PortTaken {
                continue  // someone took the port between choosing and binding it; choose again
            }
        }
    }

    /// Restarts the controller on the same address and state (a controller that was stopped).
    func restartController(extraArguments: [String] = []) async throws {
        let c = try #require(controller, "no controller to restart")
        c.process = try launchController(host: c.host, port: c.port, namespace: c.namespace, stateDir: c.stateDir, socket: c.socket,
                                         extraArguments: extraArguments)
        try await waitControllerReady(c)
    }

    /// Starts the stopped controller again without waiting for it: for a start that must be refused.
    func relaunchController(extraArguments: [String] = []) throws -> ChildProcess {
        let c = try #require(controller, "no controller to restart")
        c.process = try launchController(host: c.host, port: c.port, namespace: c.namespace, stateDir: c.stateDir, socket: c.socket,
                                         extraArguments: extraArguments)
        return c.process
    }

    private func launchController(host: String, port: Int, namespace: String?, stateDir: String, socket: String,
                                  environment: [String: String] = [:], extraArguments: [String] = []) throws -> ChildProcess {
        try spawn(label: "controller", executable: try Binaries.path("overlayd-controller"), arguments: [
            "--state-dir", stateDir,
            "--listen", "\(host):\(port)",
            "--advertise", "\(host):\(port)",
            "--socket", socket,
            "--network", settings.network,
            "--active-timeout", settings.activeTimeout,
            "--passphrase-file", passphraseFile,
        ] + settings.controllerArguments + extraArguments, namespace: namespace, environment: environment)
    }

    private func waitControllerReady(_ c: ControllerHandle, portChosenHere: Bool = false) async throws {
        try await eventually("the controller answers on \(c.socket)") {
            if let t = c.process.termination {
                if portChosenHere, c.process.stderrText.contains("in use") { throw PortTaken(description: "port \(c.port) taken") }
                throw GiveUp("the controller exited (normal: \(t.normalExit), code \(t.code)): \(c.process.stderrText.trimmed)")
            }
            _ = try await c.ctl.controllerStatus()
        }
    }

    func requireController() throws -> ControllerHandle {
        try #require(controller, "start the controller first")
    }

    /// A fresh single-use join token from the controller.
    func token() async throws -> String {
        try await requireController().ctl.createToken()
    }

    // MARK: Nodes

    /// Starts a node process without waiting for it. `label` (default: the name) names its state
    /// directory, socket and log, so a second process may claim a name already in use.
    func launchNode(_ name: String, label: String? = nil, token: String?, host: String = "127.0.0.1", port: Int = 0,
                    namespace: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) throws -> NodeHandle {
        let label = label ?? name
        let stateDir = "\(directory)/nodes/\(label)"
        let socket = "\(directory)/\(label).sock"
        let process = try launchNodeProcess(name: name, label: label, stateDir: stateDir, socket: socket, token: token,
                                            listen: "\(host):\(port)", namespace: namespace, extraArguments: extraArguments,
                                            environment: environment)
        let node = NodeHandle(name: name, label: label, host: host, namespace: namespace, stateDir: stateDir, socket: socket,
                              environment: environment, process: process)
        lock.withLock { nodes.append(node) }
        return node
    }

    /// Enrolls (with a fresh token) and starts a node; waits until its control socket answers.
    @discardableResult
    func startNode(_ name: String, host: String = "127.0.0.1", port: Int = 0, namespace: String? = nil,
                   extraArguments: [String] = [], environment: [String: String] = [:]) async throws -> NodeHandle {
        let node = try launchNode(name, token: try await token(), host: host, port: port, namespace: namespace,
                                  extraArguments: extraArguments, environment: environment)
        try await waitNodeReady(node)
        return node
    }

    /// Starts the node again from its state directory: no join token. Same listen address unless `port` is given,
    /// same environment.
    func restart(_ node: NodeHandle, port: Int = 0, extraArguments: [String] = []) async throws {
        node.process = try launchNodeProcess(name: node.name, label: node.label, stateDir: node.stateDir, socket: node.socket,
                                             token: nil, listen: "\(node.host):\(port)", namespace: node.namespace,
                                             extraArguments: extraArguments, environment: node.environment)
        try await waitNodeReady(node)
    }

    private func launchNodeProcess(name: String, label: String, stateDir: String, socket: String, token: String?, listen: String,
                                   namespace: String?, extraArguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        var arguments = [
            "--name", name,
            "--state-dir", stateDir,
            "--listen", listen,
            "--socket", socket,
            "--passphrase-file", passphraseFile,
            "--roster-interval", settings.rosterInterval,
            "--ping-interval", settings.pingInterval,
            "--ping-timeout", settings.pingTimeout,
        ]
        if let token { arguments += ["--join-token", token] }
        // A TUN only where a test asks for one (--tun NAME): the others are control-plane tests.
        if !extraArguments.contains("--tun") { arguments.append("--no-tun") }
        // A resolver only where a test asks for one (--dns on): port 53 and the host's /etc/hosts are not theirs to take.
        if !extraArguments.contains("--dns") { arguments += ["--dns", "off"] }
        return try spawn(label: label, executable: try Binaries.path("overlayd-node"), arguments: arguments + extraArguments,
                         namespace: namespace, environment: environment)
    }

    func waitNodeReady(_ node: NodeHandle) async throws {
        try await eventually("node \(node.label) answers on \(node.socket)") {
            if let t = node.process.termination {
                throw GiveUp("node \(node.label) exited (normal: \(t.normalExit), code \(t.code)): \(node.process.stderrText.trimmed)")
            }
            let status = try await node.ctl.nodeStatus()
            guard status.name == node.name else { throw NotYet("status names \(status.name), not \(node.name)") }
        }
    }

    /// Sends `signal` to the node and waits (bounded) until it has exited.
    @discardableResult
    func stop(_ node: NodeHandle, signal: Int32 = SIGTERM) async throws -> (normalExit: Bool, code: Int32) {
        node.process.signal(signal)
        return try await node.process.waitForExit()
    }

    @discardableResult
    func stopController(signal: Int32 = SIGTERM) async throws -> (normalExit: Bool, code: Int32) {
        let c = try requireController()
        c.process.signal(signal)
        return try await c.process.waitForExit()
    }

    // MARK: Processes and teardown

    func spawn(label: String, executable: String, arguments: [String], namespace: String?,
               environment: [String: String] = [:]) throws -> ChildProcess {
        let child = try ChildProcess(label: label, executable: executable, arguments: arguments, namespace: namespace,
                                     logDirectory: directory, environment: environment)
        lock.withLock { children.append(child) }
        return child
    }

    /// Kills every process this cluster started (SIGKILL, reaped) and removes its directory.
    func tearDown(keep: Bool = false) {
        for child in lock.withLock({ children }) { child.kill9() }
        if keep {
            print("[e2e] kept \(directory) for inspection")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The last lines of every daemon's log, printed when a test fails.
    func printDiagnostics(because error: any Error) {
        var text = "[e2e] \(label) failed: \(error)\n"
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        for file in logs {
            let lines = ((try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? "").split(separator: "\n")
            text += "---- \(file) (last \(min(25, lines.count)) of \(lines.count) lines)\n"
            text += lines.suffix(25).joined(separator: "\n") + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Cluster {
    /// The usual network in a lab: the controller at 198.18.0.1:7443 in the `ctl` namespace, and each of
    /// `nodes` (name, underlay address) in the namespace of that name on port 7444 with a TUN (`ovl0`).
    /// Returns once all of them are active in the controller's roster.
    func startInLab(_ lab: NetnsLab, nodes: [(name: String, host: String)]) async throws -> (ControllerHandle, [NodeHandle]) {
        let controller = try await startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
        var started: [NodeHandle] = []
        for (name, host) in nodes {
            started.append(try await startNode(name, host: host, port: 7444, namespace: try lab.namespace(name),
                                               extraArguments: ["--tun", "ovl0"]))
        }
        _ = try await waitActive(nodes.map(\.name))
        return (controller, started)
    }
}
