import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// What both daemons do around their service: set up logging (journal or
/// stderr), take the sockets systemd passed, and run the daemon in a
/// ServiceGroup with what systemd expects of a `Type=notify` service:
/// READY/STATUS/STOPPING, watchdog pings, SIGHUP reload; SIGTERM/SIGINT
/// shut down gracefully. Any failure becomes one line on stderr and a
/// non-zero exit.
public enum DaemonLauncher {
    public struct Failed: Error {
        /// The process's exit status: 1, or what an `ExitStatusProviding` error asked for.
        public let status: Int32
    }

    public static func run<Daemon: ManagedDaemon>(
        program: String,
        configuration load: @escaping @Sendable () throws -> Daemon.Configuration,
        makeDaemon: (Daemon.Configuration, Logger, DaemonContext) throws -> Daemon
    ) async throws(Failed) {
        let notifier = SystemdNotifier()
        let daemonBox = NIOLockedValueBox<Daemon?>(nil)
        let readiness = ReadinessReporter(notifier: notifier) { daemonBox.withLockedValue { $0 }?.statusLine() }
        do {
            let configuration = try load()
            let logger = LogSetup.bootstrap(label: program, level: Daemon.logLevel(in: configuration))
            let sockets = ActivatedSockets.fromEnvironment()
            let controlPath = Daemon.controlSocketPath(in: configuration)
            if let name = sockets.adoptControl(boundTo: controlPath, except: Daemon.activatedSocketNames) {
                logger.warning("systemd passed the control socket \(controlPath) named '\(name)'; serving on it as 'control'", metadata: [
                    "event": "socket-adopted", "fdname": "\(name)", "socket": "\(controlPath)",
                    "fix": "add FileDescriptorName=control to the .socket unit that listens on \(controlPath)"])
            }
            for name in sockets.closeAll(except: Daemon.activatedSocketNames) {
                logger.warning("systemd passed a socket named '\(name)' that \(program) does not use; closed it", metadata: [
                    "event": "socket-unused", "fdname": "\(name)",
                    "fix": "name it in the .socket unit with FileDescriptorName= one of \(Daemon.activatedSocketNames.sorted().joined(separator: ", ")), or remove its Listen line"])
            }
            let liveness = Liveness()
            let daemon = try makeDaemon(configuration, logger, DaemonContext(onReady: { readiness.ready() }, sockets: sockets,
                                                                             liveness: liveness))
            daemonBox.withLockedValue { $0 = daemon }

            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            // First in the list, so it is shut down last and keeps pinging while the daemon stops.
            if let watchdog = Watchdog(group: MultiThreadedEventLoopGroup.singleton, liveness: liveness,
                                          notifier: notifier, logger: logger) {
                services.append(.init(service: watchdog))
            }
            services.append(.init(service: daemon))
            services.append(.init(service: ReloadOnHangup(daemon: daemon, load: load,
                                                         readiness: readiness, logger: logger)))
            // Last, so it is shut down first: STOPPING=1 goes out as soon as SIGTERM arrives.
            services.append(.init(service: readiness))
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
            readiness.stopping()
        } catch {
            readiness.stopping()
            FileHandle.standardError.write(Data("\(program): error: \(error)\n".utf8))
            throw Failed(status: (error as? any ExitStatusProviding)?.exitStatus ?? 1)
        }
    }
}
