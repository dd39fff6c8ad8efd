import NIOConcurrencyHelpers

/// The daemon's `STATUS=` line: sent to systemd only when its text changes,
/// so a status poll every second costs nothing while nothing happens.
public final class StatusLine: Sendable {
    private let notifier: SystemdNotifier
    private let last = NIOLockedValueBox<String?>(nil)

    public init(notifier: SystemdNotifier) { self.notifier = notifier }

    /// Sends `text` unless it is what systemd already shows. True if sent.
    @discardableResult
    public func update(_ text: String) -> Bool {
        let changed = last.withLockedValue { current in
            guard current != text else { return false }
            current = text
            return true
        }
        if changed { notifier.status(text) }
        return changed
    }

    /// Remembers `text` as sent along with READY=1.
    func sentWithReady(_ text: String?) { if let text { last.withLockedValue { $0 = text } } }
}
