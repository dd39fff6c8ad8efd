import Foundation
import NIOConcurrencyHelpers
import OverlayCore
import Testing

/// The watchdog's check of the periodic loops, on a clock the test moves.
@Suite("watchdog liveness")
struct LivenessTests {
    @Test("a loop is late only once its own promise plus the slack has run out, and the late list names it")
    func lateAfterPromiseAndSlack() {
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        #expect(liveness.late().isEmpty, "no loop stamped yet: nothing to watch")
        liveness.stamp("ping", nextWithin: 5)
        liveness.stamp("roster-poll", nextWithin: 13)
        clock.advance(5 + Liveness.slack - 0.5)
        #expect(liveness.late().isEmpty, "within interval + slack")
        clock.advance(1)
        #expect(liveness.late().map(\.loop) == ["ping"], "ping overran its promise; roster-poll has 8 s left")
        let late = liveness.late()[0]
        #expect(late.silentFor == 5 + Liveness.slack + 0.5 && late.promised == 5 + Liveness.slack)
        #expect(late.description.contains("ping loop"), "the log line names the loop: \(late)")
        clock.advance(8)
        #expect(liveness.late().map(\.loop) == ["ping", "roster-poll"])
        liveness.stamp("ping", nextWithin: 5)
        #expect(liveness.late().map(\.loop) == ["roster-poll"], "a fresh stamp clears the loop")
    }

    @Test("a reload that changes an interval mid-sleep does not make the sleeping loop late: each stamp carries its own promise")
    func promiseIsPerStamp() {
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        // The loop starts a 60 s sleep; a reload then shortens the interval to 1 s.
        liveness.stamp("ping", nextWithin: 60)
        clock.advance(60 + Liveness.slack - 1)
        #expect(liveness.late().isEmpty, "the sleep it started is what it promised")
        // Back, it stamps with the new, short interval; a wedge is now seen within 1 s + slack.
        liveness.stamp("ping", nextWithin: 1)
        clock.advance(1 + Liveness.slack + 0.1)
        #expect(liveness.late().map(\.loop) == ["ping"])
    }

    @Test("a loop that ended (shutdown) is no longer watched")
    func retiredLoopIsNotWatched() {
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        liveness.stamp("roster-poll", nextWithin: 10)
        liveness.retire("roster-poll")
        clock.advance(3600)
        #expect(liveness.late().isEmpty)
    }
}
