import Foundation
import Logging
import OverlayCore

/// The controller under systemd: its STATUS= line, and what a SIGHUP reload
/// may change while it runs (the active timeout, the log level). Everything
/// else is read at start only.
extension ControllerDaemon: ManagedDaemon {
    public static var activatedSocketNames: Set<String> { [ActivatedSockets.control, ActivatedSockets.api] }

    public static func controlSocketPath(in configuration: ControllerConfiguration) -> String { configuration.socketPath }

    public static func logLevel(in configuration: ControllerConfiguration) -> Logger.Level { configuration.logLevel }

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
        report.live("active-timeout", old.activeTimeout, new.activeTimeout)
        report.live("log-level", old.logLevel, new.logLevel)
        report.atStart("state-dir", old.stateDirectory, new.stateDirectory)
        report.atStart("listen", old.listen.description, new.listen.description)
        report.atStart("advertise", old.advertise.map(\.description), new.advertise.map(\.description))
        report.atStart("socket", old.socketPath, new.socketPath)
        report.atStart("network", old.network?.description, new.network?.description)
        report.atStart("passphrase-file", old.passphraseFile, new.passphraseFile)
        report.atStart("cert-lifetime", old.certificateValidity, new.certificateValidity)
        report.atStart("metrics-listen", old.metricsListen?.description, new.metricsListen?.description)
        report.atStart("status-listen", old.statusListen?.description, new.statusListen?.description)
        report.atStart("domain", old.domain, new.domain)
        report.atStart("enroll-rate", old.enrollRate.description, new.enrollRate.description)
        report.atStart("max-connections-per-source", old.maxConnectionsPerSource, new.maxConnectionsPerSource)
        report.atStart("request-read-timeout", old.requestReadTimeout, new.requestReadTimeout)
        return report
    }
}
