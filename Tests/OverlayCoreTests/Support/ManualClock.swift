import NIOConcurrencyHelpers

/// A clock that stands still until the test moves it: `Liveness` on this
/// clock shows the promises the loops made, with no wall time involved.
final class ManualClock: Sendable {
    private let now = NIOLockedValueBox<Double>(1000)
    func advance(_ seconds: Double) { now.withLockedValue { $0 += seconds } }
    var seconds: Double { now.withLockedValue { $0 } }
    var read: @Sendable () -> Double { { [now] in now.withLockedValue { $0 } } }
}
