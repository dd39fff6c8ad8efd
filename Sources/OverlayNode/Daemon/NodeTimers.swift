import Foundation
import NIOConcurrencyHelpers

/// The node's intervals and thresholds, shared by the roster poller, the ping
/// scheduler and the health reporter and changed in place by a SIGHUP reload;
/// each reads them afresh every round.
final class NodeTimers: Sendable {
    struct Values: Sendable, Equatable {
        var rosterInterval: TimeInterval
        var pingInterval: TimeInterval
        var pingTimeout: TimeInterval
        /// Seconds an RTT must move (besides 25 %) before a health report carries it.
        var reportRTTFloor: TimeInterval
    }

    private let values: NIOLockedValueBox<Values>

    init(_ values: Values) { self.values = NIOLockedValueBox(values) }

    convenience init(_ c: NodeConfiguration) {
        self.init(Values(rosterInterval: c.rosterInterval, pingInterval: c.pingInterval, pingTimeout: c.pingTimeout,
                         reportRTTFloor: c.reportRTTFloor))
    }

    var current: Values { values.withLockedValue { $0 } }
    var rosterInterval: TimeInterval { current.rosterInterval }
    var pingInterval: TimeInterval { current.pingInterval }
    var pingTimeout: TimeInterval { current.pingTimeout }
    var reportRTTFloor: TimeInterval { current.reportRTTFloor }

    func set(_ new: Values) { values.withLockedValue { $0 = new } }
}
