import Foundation
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Tells systemd where the daemon is in its life: READY=1 once it serves,
/// the STATUS= line whenever its text changes (checked every second), and
/// STOPPING=1 as soon as a graceful shutdown begins.
final class ReadinessReporter: Service {
    let notifier: SystemdNotifier
    let status: StatusLine
    let line: @Sendable () -> String?
    private let state = NIOLockedValueBox((ready: false, stopping: false))

    init(notifier: SystemdNotifier, line: @escaping @Sendable () -> String?) {
        self.notifier = notifier
        self.status = StatusLine(notifier: notifier)
        self.line = line
    }

    var isReady: Bool { state.withLockedValue { $0.ready } }

    /// READY=1 with the current status; also the end of a reload.
    func ready() {
        let text = line()
        status.sentWithReady(text)
        state.withLockedValue { $0.ready = true }
        notifier.ready(status: text)
    }

    /// STOPPING=1, once.
    func stopping() {
        let first = state.withLockedValue { s in defer { s.stopping = true }; return !s.stopping }
        if first { notifier.stopping() }
    }

    func run() async throws {
        guard notifier.isEnabled else { return try await gracefulShutdown() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if self.isReady, let text = self.line() { self.status.update(text) }
                try await Task.sleep(for: .seconds(1))
            }
        }
        stopping()
    }
}
