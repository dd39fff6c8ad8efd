import Foundation
import OverlayCore

/// The controller under systemd: its STATUS= line, and what a SIGHUP reload
/// may change while it runs (the active timeout, the log level). Everything
/// else is read at start only.
extension ControllerDaemon: ManagedDaemon {
    public static var activatedSocketNames: Set<String> { [ActivatedSockets.control, ActivatedSockets.api] }

    public static func controlSocketPath(in configuration: ControllerConfiguration) -> String { configuration.socketPath }

    public func statusLine() -> String? {
        running.withLockedValue { $0 }.map(ControllerStatusText.make)
    }

    public func reload(to new: ControllerConfiguration) async throws -> ReloadReport {
        let old = applied.withLockedValue { $0 }
        let report = Self.compare(old, new)
        running.withLockedValue { $0 }?.activeTimeout = new.activeTimeout
        applied.withLockedValue { $0 = new }
        return report
    }

    static func compare(_ old: ControllerConfiguration, _ new: ControllerConfiguration) -> ReloadReport {
        var report = ReloadReport()
        func live<T: Equatable>(_ key: String, _ a: T, _ b: T) { if a != b { report.applied.append("\(key)=\(b)") } }
        func atStart<T: Equatable>(_ key: String, _ a: T, _ b: T) { if a != b { report.needRestart.append(key) } }
        live("active-timeout", old.activeTimeout, new.activeTimeout)
        live("log-level", old.logLevel, new.logLevel)
        atStart("state-dir", old.stateDirectory, new.stateDirectory)
        atStart("listen", old.listen.description, new.listen.description)
        atStart("advertise", old.advertise.map(\.description), new.advertise.map(\.description))
        atStart("socket", old.socketPath, new.socketPath)
        atStart("network", old.network?.description, new.network?.description)
        atStart("passphrase-file", old.passphraseFile, new.passphraseFile)
        atStart("certificate-validity", old.certificateValidity, new.certificateValidity)
        atStart("metrics-listen", old.metricsListen?.description, new.metricsListen?.description)
        atStart("status-listen", old.statusListen?.description, new.statusListen?.description)
        return report
    }
}
