import Foundation
import Logging
import ServiceLifecycle

/// A daemon the launcher runs under systemd: besides running, it can say in
/// one line how it is doing (`STATUS=`) and take a re-read configuration on
/// SIGHUP without a restart.
public protocol ManagedDaemon: Service {
    associatedtype Configuration: Sendable

    /// The `FileDescriptorName=`s this daemon takes from socket activation;
    /// any other passed socket is logged and closed at start.
    static var activatedSocketNames: Set<String> { get }

    /// The control socket path (`--socket`) in `configuration`: a passed
    /// socket bound there but not named `control` is adopted as the control socket.
    static func controlSocketPath(in configuration: Configuration) -> String

    /// The log level `configuration` asks for, set at start and again on each reload.
    static func logLevel(in configuration: Configuration) -> Logger.Level

    /// The `STATUS=` text, e.g. `3/3 peers up, roster v42`; nil until ready.
    func statusLine() -> String?

    /// Applies what changed in `configuration` (re-read from the config
    /// file); settings that only take effect at start are reported, not applied.
    func reload(to configuration: Configuration) async throws -> ReloadReport
}

/// What a reload changed.
public struct ReloadReport: Sendable, Equatable {
    /// Settings now in effect with their new value, e.g. `ping-interval`.
    public var applied: [String]
    /// Settings that changed in the file but take effect only at the next start.
    public var needRestart: [String]

    public init(applied: [String] = [], needRestart: [String] = []) {
        self.applied = applied
        self.needRestart = needRestart
    }

    /// Notes `key` as applied (with its new value) when a live setting changed.
    public mutating func live<T: Equatable>(_ key: String, _ old: T, _ new: T) {
        if old != new { applied.append("\(key)=\(new)") }
    }

    /// Notes `key` as waiting for a restart when a start-only setting changed.
    public mutating func atStart<T: Equatable>(_ key: String, _ old: T, _ new: T) {
        if old != new { needRestart.append(key) }
    }
}

/// What the launcher hands a daemon it makes: whom to tell it is ready, the
/// sockets systemd passed (socket activation), and where its periodic loops
/// stamp that they are alive (the watchdog checks the stamps).
public struct DaemonContext: Sendable {
    /// Call once the listeners serve (and, for a node, its identity is loaded): sends READY=1.
    public let onReady: @Sendable () -> Void
    public let sockets: ActivatedSockets
    public let liveness: Liveness

    public init(onReady: @escaping @Sendable () -> Void = {}, sockets: ActivatedSockets = .none, liveness: Liveness = Liveness()) {
        self.onReady = onReady
        self.sockets = sockets
        self.liveness = liveness
    }
}
