import CSystemd
import Foundation

/// sd_notify(3) through libsystemd, so the units can be `Type=notify`:
/// `systemctl start` returns only once the daemon serves, `systemctl status`
/// shows its STATUS line, and the watchdog sees it alive. Without
/// `$NOTIFY_SOCKET` (not run by systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    public let isEnabled: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
    }

    /// The service is up: listeners bound, identity loaded. Also ends a reload.
    public func ready(status: String?) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }

    /// A reload has begun; `MONOTONIC_USEC` lets systemd ≥ 253 (`Type=notify-reload`) match it to the signal.
    public func reloading() { send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"]) }

    public func stopping() { send(["STOPPING=1"]) }
    public func status(_ text: String) { send(["STATUS=\(text)"]) }
    public func watchdog() { send(["WATCHDOG=1"]) }

    /// Sends the assignments as one datagram; false when not under systemd or sending failed.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        guard isEnabled else { return false }
        let text = assignments.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
        return sd_notify(0, text) > 0
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
