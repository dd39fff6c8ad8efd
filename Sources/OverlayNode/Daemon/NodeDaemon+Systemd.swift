import Foundation
import Logging
import OverlayCore

/// The node under systemd: its STATUS= line, and what a SIGHUP reload may
/// change while it runs (the roster and ping intervals, the ping timeout,
/// the health report RTT floor, the log level). Everything else is read at start only.
extension NodeDaemon: ManagedDaemon {
    public static var activatedSocketNames: Set<String> { [ActivatedSockets.control, ActivatedSockets.peer] }

    public static func controlSocketPath(in configuration: NodeConfiguration) -> String { configuration.socketPath }

    public static func logLevel(in configuration: NodeConfiguration) -> Logger.Level { configuration.logLevel }

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
        report.live("roster-interval", old.rosterInterval, new.rosterInterval)
        report.live("ping-interval", old.pingInterval, new.pingInterval)
        report.live("ping-timeout", old.pingTimeout, new.pingTimeout)
        report.live("report-rtt-floor", old.reportRTTFloor, new.reportRTTFloor)
        report.live("log-level", old.logLevel, new.logLevel)
        report.atStart("name", old.name, new.name)
        report.atStart("state-dir", old.stateDirectory, new.stateDirectory)
        report.atStart("listen", old.listen.description, new.listen.description)
        report.atStart("advertise", old.advertise?.description, new.advertise?.description)
        report.atStart("controller", old.controller?.description, new.controller?.description)
        report.atStart("socket", old.socketPath, new.socketPath)
        report.atStart("passphrase-file", old.passphraseFile, new.passphraseFile)
        report.atStart("peer-connections", old.peerConnections, new.peerConnections)
        report.atStart("metrics-listen", old.metricsListen?.description, new.metricsListen?.description)
        report.atStart("peer-handshake-rate", old.peerHandshakeRate.description, new.peerHandshakeRate.description)
        report.atStart("max-peer-connections-per-source", old.maxPeerConnectionsPerSource, new.maxPeerConnectionsPerSource)
        let (a, b) = (old.dataPlane, new.dataPlane)
        report.atStart("tun", a?.interface ?? "off", b?.interface ?? "off")
        report.atStart("mtu", a?.mtu, b?.mtu)
        report.atStart("data-listen", a?.listen?.description, b?.listen?.description)
        report.atStart("tun-queues", a?.queues, b?.queues)
        report.atStart("rekey-interval", a?.rekeyInterval, b?.rekeyInterval)
        let (d, e) = (old.dns, new.dns)
        report.atStart("dns", d == nil ? "off" : "on", e == nil ? "off" : "on")
        report.atStart("dns-port", d?.port, e?.port)
        report.atStart("dns-loopback", d.map { "\($0.loopback)" }, e.map { "\($0.loopback)" })
        report.atStart("dns-host", d?.host.rawValue, e?.host.rawValue)
        report.atStart("dns-search", d?.search, e?.search)
        report.atStart("hosts-file", d?.hostsFile, e?.hostsFile)
        return report
    }
}
