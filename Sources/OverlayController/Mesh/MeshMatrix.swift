import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol

/// What every active node last reported about every other, in memory only
/// (after a restart it is rebuilt from the next reports: the controller asks
/// each node for a full one).
///
/// Stored sparsely by what matters: a pair that is `up` costs one `Float`
/// (its RTT) in the reporter's row, indexed by the peer's interned number;
/// a pair that is `down` or `unknown` is kept exactly (since when, the
/// error) in a small dictionary of exceptions. A network where everything is
/// up therefore holds N rows of N floats and no per-pair objects.
///
/// Every roster poll goes through `ingest`, so the lock is held only to
/// apply a report's few entries; a view takes a copy-on-write snapshot and
/// is built outside the lock.
final class MeshMatrix: Sendable {
    /// A pair that is not up, kept exactly.
    struct Exception: Sendable, Equatable {
        var state: MeshPair.State
        var since: Date?
        var rttMs: Float?
        var lastError: String?
    }

    /// One reporter's view of its peers.
    struct Row: Sendable {
        /// RTT in ms of each peer reported `up`, by peer number; NaN when not up.
        var upRTT: [Float] = []
        var exceptions: [UInt32: Exception] = [:]
        /// The last report sequence taken as part of an unbroken series; nil when the
        /// controller has no baseline for this node (never reported, restarted, or a gap).
        var baseline: UInt64?

        func isUp(_ peer: UInt32) -> Bool { Int(peer) < upRTT.count && !upRTT[Int(peer)].isNaN }
    }

    struct Snapshot: Sendable {
        var numbers: [String: UInt32]
        var rows: [UInt32: Row]
    }

    private struct State {
        var numbers: [String: UInt32] = [:]
        var rows: [UInt32: Row] = [:]
        var active: Set<UInt32> = []
        var activeVersion: String?
        var counters = MeshStats()
    }

    private let state = NIOLockedValueBox(State())

    /// Brings the matrix in line with the active set when the roster version changed: the rows
    /// of nodes that are no longer active are dropped (a node that comes back has no baseline and
    /// is asked for a full report). Columns are kept: every view, `downPairCount` and
    /// `reachableBy` look only at active nodes, and what a row holds about a node that left is
    /// exactly what its reporter counts as delivered (entries about it are still applied while it
    /// is away). A reporter that noticed the gap dropped that peer from its delivered set and
    /// sends it again as a change when it returns; one that did not still holds the same value as
    /// the row. So a restart costs nobody else a full report.
    /// `names` (the roster's current active set) is only called when the version differs from
    /// the last one seen, and under this lock, so a slower caller can never apply an older set
    /// over a newer one (the roster never calls into the matrix, so the lock order is always
    /// matrix, then roster).
    func syncActive(version: String, names: () -> [String]) {
        state.withLockedValue { s in
            guard s.activeVersion != version else { return }
            let now = Set(names().map { Self.number(for: $0, in: &s) })
            let gone = s.active.subtracting(now)
            s.active = now
            s.activeVersion = version
            for g in gone { s.rows.removeValue(forKey: g) }
        }
    }

    /// Applies one report from `reporter` and answers it. Entries are absolute values, so
    /// applying a resent report again is harmless. Entries about names the controller has never
    /// seen, or about the reporter itself, are skipped; entries about a node that is away (left,
    /// not yet back) are kept in its column, hidden from views, so the row stays what the reporter
    /// counts as delivered. A poll without a report from a
    /// node that has never reported leaves it without a row, so it stays flagged `no-report`.
    func ingest(reporter: String, report: HealthReport?, now: Date) -> HealthReportReply {
        state.withLockedValue { s in
            let me = Self.number(for: reporter, in: &s)
            let existing = s.rows.removeValue(forKey: me)
            var row = existing ?? Row()
            var ack: UInt64?
            if let report {
                s.counters.reports += 1
                s.counters.entries += report.entries.count
                if report.full { s.counters.fullReports += 1 }
                let follows = row.baseline.map { report.seq == $0 || report.seq == $0 &+ 1 } ?? false
                row.baseline = report.startsFull || follows ? report.seq : nil
                for entry in report.entries {
                    guard let peer = s.numbers[entry.peer], peer != me else { continue }
                    row.apply(entry, peer: peer, now: now)
                }
                ack = report.seq
            }
            let sendFull = row.baseline == nil
            let keepsRow = report != nil || existing != nil
            // A node that polls without ever reporting (an older overlayd-node) is asked every time; that is no request worth counting.
            if sendFull && keepsRow { s.counters.fullReportRequests += 1 }
            if keepsRow { s.rows[me] = row }
            var reachableBy = 0
            for (other, r) in s.rows where other != me && s.active.contains(other) && r.isUp(me) { reachableBy += 1 }
            let peers = s.active.contains(me) ? s.active.count - 1 : s.active.count
            return HealthReportReply(ack: ack, sendFull: sendFull, reachableBy: reachableBy, peers: peers)
        }
    }

    /// A copy-on-write snapshot: O(1) under the lock; the view is built from it outside.
    func snapshot() -> Snapshot {
        state.withLockedValue { Snapshot(numbers: $0.numbers, rows: $0.rows) }
    }

    var counters: MeshStats { state.withLockedValue { $0.counters } }

    /// Whether `name` has been an active node since this controller started (a removed node stays known).
    func hasSeen(_ name: String) -> Bool { state.withLockedValue { $0.numbers[name] != nil } }

    /// How many pairs between active nodes are reported `down`: O(rows + broken pairs), not O(N²).
    func downPairCount(excludingReporters silent: Set<String> = []) -> Int {
        state.withLockedValue { s in
            let skipped = Set(silent.compactMap { s.numbers[$0] })
            var count = 0
            for (reporter, row) in s.rows where s.active.contains(reporter) && !skipped.contains(reporter) {
                for (peer, e) in row.exceptions where e.state == .down && s.active.contains(peer) { count += 1 }
            }
            return count
        }
    }

    private static func number(for name: String, in s: inout State) -> UInt32 {
        if let n = s.numbers[name] { return n }
        let n = UInt32(s.numbers.count)
        s.numbers[name] = n
        return n
    }
}

extension MeshMatrix.Row {
    mutating func apply(_ entry: HealthReportEntry, peer: UInt32, now: Date) {
        let i = Int(peer)
        if upRTT.count <= i { upRTT.append(contentsOf: repeatElement(Float.nan, count: i + 1 - upRTT.count)) }
        let rtt = entry.rttMs.map { Float($0) }
        if entry.state == .up {
            upRTT[i] = rtt ?? 0
            exceptions.removeValue(forKey: peer)
        } else {
            upRTT[i] = .nan
            exceptions[peer] = MeshMatrix.Exception(state: entry.state, since: entry.forSeconds.map { now.addingTimeInterval(-$0) },
                                                    rttMs: rtt, lastError: entry.error)
        }
    }
}
