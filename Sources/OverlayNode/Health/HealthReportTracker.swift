import Foundation
import OverlayProtocol

/// Decides what goes into each health report and remembers what the
/// controller has acknowledged. A value type with no clock or I/O, so the
/// protocol rules (delta, cap, periodic full report, retry after a lost
/// acknowledgement, progress of a restarted full report) are tested directly.
///
/// An entry is sent when the peer's state differs from the acknowledged one,
/// or its smoothed RTT moved by more than max(25 %, `rttFloorMs`) from the
/// acknowledged RTT ("noticeably"), or a full report is in progress. What was
/// sent is forgotten only when the controller acknowledges its sequence
/// number; until then the same number is reused, with current values.
struct HealthReportTracker: Sendable {
    /// What the controller holds for one peer, as far as this node knows.
    struct Reported: Sendable, Equatable {
        var state: MeshPair.State
        var rttMs: Double?
    }

    /// Totals since start, for the node's status (how much reporting costs).
    struct Counters: Sendable, Equatable {
        var reports = 0
        var entries = 0
        /// Entries sent outside a full report: what a change costs.
        var deltaEntries = 0
        var fullReports = 0
    }

    let cap: Int
    /// The encoded report stays under this many bytes (the controller takes request bodies up to 64 KiB).
    static let byteBudget = 48 * 1024
    /// A peer's error is cut to this length in a report.
    static let maxErrorLength = 200
    /// A full report every this many acknowledged polls (30 polls = 5 min at the default 10 s).
    let fullEvery: Int
    var rttFloorMs: Double

    private(set) var acknowledged: [String: Reported] = [:]
    private(set) var counters = Counters()
    /// Peers still to send in the full report in progress; nil when none is.
    private var fullPending: Set<String>?
    /// The sequence number of the full report in progress's first part.
    private var fullStart: UInt64 = 0
    /// The first report of a process is full: the controller may hold an older baseline.
    private var fullRequested = true
    private var pollsSinceFull = 0
    private(set) var seq: UInt64 = 1
    private var inFlight: (seq: UInt64, sent: [String: Reported])?
    /// The sequence number in which each peer was last acknowledged. The rest of a full report goes
    /// out least recently sent first, so a full report that starts over (the controller asked again
    /// in the middle of one) sends what the aborted one did not reach before repeating what it did:
    /// every full report makes progress however often it is restarted.
    private var lastSent: [String: UInt64] = [:]
    /// Polls left without a report after the controller refused one.
    private var pausedPolls = 0

    init(cap: Int = HealthReport.maxEntries, fullEvery: Int = 30, rttFloorMs: Double = 1) {
        self.cap = max(1, cap); self.fullEvery = max(1, fullEvery); self.rttFloorMs = rttFloorMs
    }

    /// The report for the next poll, or nil when there is nothing to say.
    mutating func next(health: [String: PeerHealth], now: Date) -> HealthReport? {
        if pausedPolls > 0 {
            pausedPolls -= 1
            inFlight = nil
            return nil
        }
        acknowledged = acknowledged.filter { health[$0.key] != nil }
        lastSent = lastSent.filter { health[$0.key] != nil }
        if fullPending == nil, fullRequested || pollsSinceFull >= fullEvery {
            fullPending = Set(health.keys)
            fullStart = seq
            fullRequested = false
            counters.fullReports += 1
        }
        fullPending = fullPending.map { $0.filter { health[$0] != nil } }

        var stateChanges: [String] = [], fullOnes: [String] = [], rttMoves: [String] = []
        for (peer, h) in health {
            let current = Reported(state: MeshPair.State(h.state), rttMs: h.smoothedRTT)
            if let old = acknowledged[peer], old.state == current.state {
                if moved(from: old.rttMs, to: current.rttMs) { rttMoves.append(peer) }
                else if fullPending?.contains(peer) == true { fullOnes.append(peer) }
            } else {
                stateChanges.append(peer)
            }
        }
        var chosen: [String] = []
        var bytes = 64
        let leastRecentlySent = fullOnes.sorted { (lastSent[$0] ?? 0, $0) < (lastSent[$1] ?? 0, $1) }
        for peer in stateChanges.sorted() + rttMoves.sorted() + leastRecentlySent {
            bytes += Self.estimatedSize(peer: peer, health[peer]!)
            guard chosen.count < cap, bytes <= Self.byteBudget else { break }
            chosen.append(peer)
        }
        let full = fullPending != nil
        guard full || !chosen.isEmpty else { inFlight = nil; return nil }

        var sent: [String: Reported] = [:]
        let entries = chosen.map { peer -> HealthReportEntry in
            let h = health[peer]!
            let state = MeshPair.State(h.state)
            sent[peer] = Reported(state: state, rttMs: h.smoothedRTT)
            return HealthReportEntry(peer: peer, state: state, rttMs: h.smoothedRTT,
                                     forSeconds: Self.forSeconds(since: h.since, now: now),
                                     error: state == .down ? h.lastError.map { String($0.prefix(Self.maxErrorLength)) } : nil)
        }
        inFlight = (seq, sent)
        counters.reports += 1
        counters.entries += entries.count
        if !full { counters.deltaEntries += entries.count }
        return HealthReport(seq: seq, full: full, fullStart: full ? fullStart : nil, entries: entries)
    }

    /// The poll was answered. `reply` is nil from a controller that predates
    /// health reports: nothing will ever acknowledge, so take it as delivered
    /// rather than resend it forever.
    mutating func answered(_ reply: HealthReportReply?) {
        pollsSinceFull += 1
        if let flight = inFlight, reply == nil || reply?.ack == flight.seq {
            acknowledged.merge(flight.sent) { _, new in new }
            for peer in flight.sent.keys { lastSent[peer] = flight.seq }
            if var pending = fullPending {
                pending.subtract(flight.sent.keys)
                fullPending = pending.isEmpty ? nil : pending
                if fullPending == nil { pollsSinceFull = 0 }
            }
            seq += 1
        }
        inFlight = nil
        if reply?.sendFull == true {
            // Also in the middle of a full report: the controller lost what the earlier parts said. The
            // new one starts with the peers the aborted one had not reached (see `lastSent`).
            fullPending = nil
            fullRequested = true
        }
    }

    /// The poll failed (no answer): keep everything; the next report reuses the sequence number.
    mutating func failed() { inFlight = nil }

    /// The controller refused the report as malformed: take it as delivered (so it is not resent
    /// forever, failing every poll with it), send nothing for `fullEvery` polls, then start over with
    /// a full report.
    mutating func refused() {
        answered(nil)
        fullPending = nil
        pausedPolls = fullEvery
        fullRequested = true
    }

    /// How long the peer has been in its state, as the controller takes it: never negative, and left
    /// out rather than sent when longer than it takes (the clock stepped), since it refuses the report then.
    static func forSeconds(since: Date?, now: Date) -> Double? {
        guard let since else { return nil }
        let seconds = max(0, now.timeIntervalSince(since))
        return seconds <= HealthReportEntry.maxForSeconds ? seconds : nil
    }

    /// An upper bound on one entry's JSON: fixed keys and numbers, the name, the cut error (a character is at
    /// most 4 UTF-8 bytes; doubled again for escapes).
    private static func estimatedSize(peer: String, _ h: PeerHealth) -> Int {
        let error = h.state == .down ? (h.lastError?.prefix(maxErrorLength).utf8.count ?? 0) : 0
        return 110 + peer.utf8.count + 2 * error
    }

    private func moved(from old: Double?, to new: Double?) -> Bool {
        guard let old, let new else { return (old == nil) != (new == nil) }
        return abs(new - old) > max(0.25 * old, rttFloorMs)
    }
}

extension MeshPair.State {
    init(_ state: PeerHealth.State) {
        switch state {
        case .up: self = .up
        case .down: self = .down
        case .unknown: self = .unknown
        }
    }
}
