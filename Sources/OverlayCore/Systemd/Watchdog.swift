import CSystemd
import Logging
import NIOCore
import ServiceLifecycle

/// Pings systemd's watchdog (`WatchdogSec=`) at half the interval it asks
/// for, but only after a task has gone through every event loop that serves
/// and come back, and only while every periodic loop has kept its promise to
/// come back (`Liveness`). A wedged event loop or a stuck ping round or roster
/// poll therefore stops the pings, and systemd restarts the daemon instead of
/// leaving it up and deaf.
public struct Watchdog: Service {
    let interval: Duration
    let loops: [any EventLoop]
    let liveness: Liveness
    let notifier: SystemdNotifier
    let logger: Logger

    /// Nil unless systemd asked this process (`WATCHDOG_USEC`, `WATCHDOG_PID`) for pings.
    public init?(group: any EventLoopGroup, liveness: Liveness, notifier: SystemdNotifier, logger: Logger) {
        var usec: UInt64 = 0
        guard notifier.isEnabled, sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        self.init(interval: .microseconds(Int64(usec / 2)), loops: Array(group.makeIterator()), liveness: liveness,
                  notifier: notifier, logger: logger)
    }

    /// Pings every `interval` once the checks pass; for tests, without asking systemd.
    public init(interval: Duration, loops: [any EventLoop], liveness: Liveness, notifier: SystemdNotifier, logger: Logger) {
        self.interval = interval
        self.loops = loops
        self.liveness = liveness
        self.notifier = notifier
        self.logger = logger
    }

    /// Pings until a graceful shutdown reaches it (last, after the daemon has stopped).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var reported: Set<String> = []
            while !Task.isCancelled {
                try await self.beat(reported: &reported)
                try await Task.sleep(for: self.interval)
            }
        }
    }

    /// One check: goes through every event loop, then sends `WATCHDOG=1` only
    /// if no periodic loop is late; a late loop is logged once (`reported`
    /// holds those already logged). Returns whether it pinged.
    @discardableResult
    public func beat(reported: inout Set<String>) async throws -> Bool {
        // No timeout on purpose: a loop that never runs this is the failure to report.
        for loop in loops { try await loop.submit {}.get() }
        let late = liveness.late()
        for stuck in late where !reported.contains(stuck.loop) {
            logger.critical("watchdog pings withheld: \(stuck); systemd will restart the daemon", metadata: [
                "event": "watchdog-stale", "loop": "\(stuck.loop)", "silent_seconds": "\(Int(stuck.silentFor))"])
        }
        reported = Set(late.map(\.loop))
        guard late.isEmpty else { return false }
        notifier.watchdog()
        return true
    }
}
