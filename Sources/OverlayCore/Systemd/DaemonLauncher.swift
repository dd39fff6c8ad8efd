import Foundation
import Logging
import ServiceLifecycle

/// What both daemons do around their service: set up logging, run it in a
/// ServiceGroup that turns SIGTERM/SIGINT into a graceful shutdown, tell
/// systemd when it is ready and when it stops, and turn any failure into one
/// line on stderr and a non-zero exit.
public enum DaemonLauncher {
    public struct Failed: Error {}

    public static func run(program: String, level: () throws -> Logger.Level,
                           makeService: (Logger, _ onReady: @escaping @Sendable () -> Void) throws -> any Service) async throws(Failed) {
        do {
            let logger = LogSetup.bootstrap(label: program, level: try level())
            let notifier = SystemdNotifier()
            let service = try makeService(logger) { notifier.ready(status: "serving") }
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            notifier.stopping()
        } catch {
            FileHandle.standardError.write(Data("\(program): error: \(error)\n".utf8))
            throw Failed()
        }
    }
}
