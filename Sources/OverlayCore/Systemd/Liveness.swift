import Foundation
import NIOConcurrencyHelpers

/// The daemon's periodic loops (the node's ping rounds and roster polls, the
/// controller's certificate renewal) run on Swift's cooperative pool, not on
/// an event loop, so a wedged round would go unseen by an event-loop round
/// trip alone. Each loop stamps the time by which it promises to come back;
/// the watchdog pings systemd only while every promise holds. A loop states
/// its own deadline from what it is about to do (the sleep it starts, the
/// timeout of its next exchange), so a reload that changes an interval
/// mid-sleep never makes a healthy loop look late.
public final class Liveness: Sendable {
    /// A loop's promise that has not been kept.
    public struct Late: Sendable, Equatable, CustomStringConvertible {
        public var loop: String
        /// Seconds since the loop last stamped.
        public var silentFor: Double
        /// Seconds it had promised to be back within.
        public var promised: Double

        public var description: String {
            "the \(loop) loop has not come back for \(Int(silentFor)) s (it promised \(Int(promised)) s)"
        }
    }

    /// Added to every promise: a loaded machine, a slow DNS or TLS peer must not look like a wedge.
    public static let slack: Double = 30

    private struct Stamp {
        var at: Double
        var within: Double
    }

    private let clock: @Sendable () -> Double
    private let stamps = NIOLockedValueBox<[String: Stamp]>([:])

    /// `clock` gives monotonic seconds; tests inject their own.
    public init(clock: @escaping @Sendable () -> Double = Liveness.monotonicSeconds) {
        self.clock = clock
    }

    /// `loop` is alive now and will stamp again within `seconds` (plus `slack`).
    public func stamp(_ loop: String, nextWithin seconds: Double) {
        let now = clock()
        stamps.withLockedValue { $0[loop] = Stamp(at: now, within: max(0, seconds) + Self.slack) }
    }

    /// `loop` has ended (shutdown): no promise to watch any more.
    public func retire(_ loop: String) {
        _ = stamps.withLockedValue { $0.removeValue(forKey: loop) }
    }

    /// Loops whose promise has run out, by name.
    public func late() -> [Late] { late(at: clock()) }

    /// Loops whose promise has run out by `now` (seconds on this instance's clock).
    public func late(at now: Double) -> [Late] {
        stamps.withLockedValue { stamps in
            stamps.compactMap { loop, s in
                now - s.at > s.within ? Late(loop: loop, silentFor: now - s.at, promised: s.within) : nil
            }
        }.sorted { $0.loop < $1.loop }
    }

    public static let monotonicSeconds: @Sendable () -> Double = {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
