import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol

/// The node's side of health reporting, shared by the roster poller (which
/// sends reports and hands back the controller's answers) and the control
/// socket (which shows what the controller says about this node's
/// reachability, and what reporting has cost).
final class HealthReporter: Sendable {
    /// What the controller last said about this node: "reachable by 4/5 peers".
    struct Reachability: Sendable {
        var reachableBy: Int
        var peers: Int
        var at: Date
    }

    private struct State {
        var tracker: HealthReportTracker
        var reachability: Reachability?
    }

    private let book: PeerHealthBook
    /// Read at every report: a SIGHUP reload may change `report-rtt-floor`.
    private let timers: NodeTimers
    private let state: NIOLockedValueBox<State>

    init(book: PeerHealthBook, timers: NodeTimers) {
        self.book = book
        self.timers = timers
        self.state = NIOLockedValueBox(State(tracker: HealthReportTracker(rttFloorMs: timers.reportRTTFloor * 1000)))
    }

    /// The report to attach to the next roster request, if any.
    func nextReport(now: Date = Date()) -> HealthReport? {
        let health = book.healthByPeer()
        let floorMs = timers.reportRTTFloor * 1000
        return state.withLockedValue {
            $0.tracker.rttFloorMs = floorMs
            return $0.tracker.next(health: health, now: now)
        }
    }

    func answered(_ reply: HealthReportReply?, now: Date = Date()) {
        state.withLockedValue { s in
            s.tracker.answered(reply)
            if let reply { s.reachability = Reachability(reachableBy: reply.reachableBy, peers: reply.peers, at: now) }
        }
    }

    func failed() { state.withLockedValue { $0.tracker.failed() } }

    /// The error code of a controller that refuses a report as malformed.
    static let refusalCode = "invalid_health_report"

    /// The controller refused the report itself: move on instead of resending it.
    func refused() { state.withLockedValue { $0.tracker.refused() } }

    var reachability: Reachability? { state.withLockedValue { $0.reachability } }
    var counters: HealthReportTracker.Counters { state.withLockedValue { $0.tracker.counters } }
}
