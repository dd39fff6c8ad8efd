import CSystemd
import NIOCore
import ServiceLifecycle

/// Pings systemd's watchdog (`WatchdogSec=`) at half the interval it asks
/// for, but only after a task has gone through every event loop that serves
/// and come back. A wedged event loop therefore stops the pings, and systemd
/// restarts the daemon instead of leaving it up and deaf.
public struct Watchdog: Service {
    let interval: Duration
    let loops: [any EventLoop]
    let notifier: SystemdNotifier

    /// Nil unless systemd asked this process (`WATCHDOG_USEC`, `WATCHDOG_PID`) for pings.
    public init?(group: any EventLoopGroup, notifier: SystemdNotifier) {
        var usec: UInt64 = 0
        guard notifier.isEnabled, sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        self.interval = .microseconds(Int64(usec / 2))
        self.loops = Array(group.makeIterator())
        self.notifier = notifier
    }

    /// Pings until a graceful shutdown reaches it (last, after the daemon has stopped).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // No timeout on purpose: a loop that never runs this is the failure to report.
                for loop in self.loops { try await loop.submit {}.get() }
                self.notifier.watchdog()
                try await Task.sleep(for: self.interval)
            }
        }
    }
}
