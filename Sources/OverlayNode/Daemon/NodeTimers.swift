import Foundation
import NIOConcurrencyHelpers

/// The node's intervals, shared by the roster poller and the ping scheduler
/// and changed in place by a SIGHUP reload; each loop reads them afresh every round.
final class NodeTimers: Sendable {
    struct Values: Sendable, Equatable {
        var rosterInterval: TimeInterval
        var pingInterval: TimeInterval
        var pingTimeout: TimeInterval
    }

    private let values: NIOLockedValueBox<Values>

    init(_ values: Values) { self.values = NIOLockedValueBox(values) }

    convenience init(_ c: NodeConfiguration) {
        self.init(Values(rosterInterval: c.rosterInterval, pingInterval: c.pingInterval, pingTimeout: c.pingTimeout))
    }

    var current: Values { values.withLockedValue { $0 } }
    var rosterInterval: TimeInterval { current.rosterInterval }
    var pingInterval: TimeInterval { current.pingInterval }
    var pingTimeout: TimeInterval { current.pingTimeout }

    func set(_ new: Values) { values.withLockedValue { $0 = new } }
}
