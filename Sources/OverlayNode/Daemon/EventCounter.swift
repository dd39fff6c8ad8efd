import NIOConcurrencyHelpers

/// Counts events shown in `overlayctl status` (connections dialed and
/// accepted), safe to bump from any event loop.
final class EventCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    func increment() { box.withLockedValue { $0 += 1 } }
    var value: Int { box.withLockedValue { $0 } }
}
