import Foundation
import OverlayCore

/// The node under systemd: its STATUS= line, and what a SIGHUP reload may
/// change while it runs (the roster and ping intervals, the ping timeout,
/// the health report RTT floor, the log level). Everything else is read at start only.
extension NodeDaemon: ManagedDaemon {
    public static var activatedSocketNames: Set<String> { [ActivatedSockets.control, ActivatedSockets.peer] }

    public static func controlSocketPath(in configuration: NodeConfiguration) -> String { configuration.socketPath }

    public func statusLine() -> String? {
        running.withLockedValue { $0 }.map(NodeStatusText.make)
    }

    public func reload(to new: NodeConfiguration) async throws -> ReloadReport {
        let old = applied.withLockedValue { $0 }
        let report = Self.compare(old, new)
        timers.set(NodeTimers(new).current)
        applied.withLockedValue { $0 = new }
        return report
    }

    static func compare(_ old: NodeConfiguration, _ new: NodeConfiguration) -> ReloadReport {
        var report = ReloadReport()
        func live<T: Equatable>(_ key: String, _ a: T, _ b: T) { if a != b { report.applied.append("\(key)=\(b)") } }
        func atStart<T: Equatable>(_ key: String, _ a: T, _ b: T) { if a != b { report.needRestart.append(key) } }
        live("roster-interval", old.rosterInterval, new.rosterInterval)
        live("ping-interval", old.pingInterval, new.pingInterval)
        live("ping-timeout", old.pingTimeout, new.pingTimeout)
        live("report-rtt-floor", old.reportRTTFloor, new.reportRTTFloor)
        live("log-level", old.logLevel, new.logLevel)
        atStart("name", old.name, new.name)
        atStart("state-dir", old.stateDirectory, new.stateDirectory)
        atStart("listen", old.listen.description, new.listen.description)
        atStart("advertise", old.advertise?.description, new.advertise?.description)
        atStart("controller", old.controller?.description, new.controller?.description)
        atStart("socket", old.socketPath, new.socketPath)
        atStart("passphrase-file", old.passphraseFile, new.passphraseFile)
        atStart("peer-connections", old.peerConnections, new.peerConnections)
        atStart("metrics-listen", old.metricsListen?.description, new.metricsListen?.description)
        return report
    }
}
