import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration: RELOADING=1, load and check the file,
/// hand it to the daemon, set the log level, READY=1. A file that no longer
/// loads is refused with one log line and the running configuration stays.
struct ReloadOnHangup<Daemon: ManagedDaemon>: Service {
    let daemon: Daemon
    let load: @Sendable () throws -> Daemon.Configuration
    let readiness: ReadinessReporter
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        guard readiness.isReady else {
            logger.warning("SIGHUP before the daemon is ready; send it again once it runs", metadata: ["event": "reload-refused"])
            return
        }
        readiness.notifier.reloading()
        defer { readiness.ready() }
        do {
            let configuration = try load()
            let report = try await daemon.reload(to: configuration)
            LogSetup.setLevel(Daemon.logLevel(in: configuration))
            var metadata: Logger.Metadata = ["event": "reload", "changed": "\(report.applied.isEmpty ? "nothing" : report.applied.joined(separator: ","))"]
            if !report.needRestart.isEmpty { metadata["needs_restart"] = "\(report.needRestart.joined(separator: ","))" }
            logger.notice("configuration reloaded", metadata: metadata)
            if !report.needRestart.isEmpty {
                logger.warning("some changed settings take effect only after a restart (systemctl restart)", metadata: [
                    "event": "reload-needs-restart", "settings": "\(report.needRestart.joined(separator: ","))"])
            }
        } catch {
            logger.error("configuration reload refused; the running configuration stays", metadata: [
                "event": "reload-refused", "error": "\(error)"])
        }
    }
}
