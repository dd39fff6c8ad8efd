import Foundation

/// What a node tells the controller about its peers, riding on its roster
/// request (flow 2's heartbeat) so it costs no extra connection or request.
/// It carries only what changed since the controller last acknowledged a
/// report, plus a periodic full report, so a quiet, healthy network adds
/// nothing to a poll. docs/protocol.md, "Health reports", is the contract.
public struct HealthReport: Codable, Sendable, Equatable {
    /// Per node process, starting at 1. A report the controller did not
    /// acknowledge is sent again (with whatever changed since) under the same
    /// number, so the controller accepts `seq` equal to or one above the last
    /// one it acknowledged; anything else is a gap and it asks for a full report.
    public var seq: UInt64
    /// True while a full report is being sent (it may span several polls when
    /// there are more peers than fit under the cap): its first part gives the
    /// controller a new baseline.
    public var full: Bool
    /// In a full report, the sequence number of its first part. A controller
    /// without a baseline (it restarted) takes only a first part as one: a later
    /// part alone would leave the earlier parts' peers unknown, so it asks for a
    /// full report again. Absent from nodes that predate it: every part counts as first.
    public var fullStart: UInt64?
    /// At most `HealthReport.maxEntries` entries, one per peer.
    public var entries: [HealthReportEntry]

    /// The cap on entries in one request; a node with more pending sends the rest on later polls.
    public static let maxEntries = 256
    /// The largest `seq` (and `fullStart`) a controller takes: 2^53 - 1, exact in every JSON reader.
    /// A node counts from 1, one per acknowledged poll, starting again with each process, so a real one
    /// never gets near it (a poll a second for 285 million years); a number that does is a sequence
    /// that wrapped or was made up, and is refused.
    public static let maxSeq: UInt64 = (1 << 53) - 1

    public init(seq: UInt64, full: Bool, fullStart: UInt64? = nil, entries: [HealthReportEntry]) {
        self.seq = seq; self.full = full; self.fullStart = fullStart; self.entries = entries
    }

    /// A full report's first part: what may stand as a new baseline.
    public var startsFull: Bool { full && (fullStart ?? seq) == seq }

    private enum CodingKeys: String, CodingKey { case seq, full, fullStart, entries }

    /// As synthesized, but a sequence number out of range (-1, 2^64) is refused naming `seq`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decodeNamingField(UInt64.self, forKey: .seq)
        full = try c.decode(Bool.self, forKey: .full)
        fullStart = try c.decodeIfPresentNamingField(UInt64.self, forKey: .fullStart)
        entries = try c.decode([HealthReportEntry].self, forKey: .entries)
    }
}

/// One peer's health as the reporting node sees it.
public struct HealthReportEntry: Codable, Sendable, Equatable {
    public var peer: String
    public var state: MeshPair.State
    /// Smoothed RTT in milliseconds, when measured.
    public var rttMs: Double?
    /// How long (seconds) the node has seen the peer in this state; a duration, not a
    /// date, so the two clocks need not agree.
    public var forSeconds: Double?
    /// The last error, for a `down` peer.
    public var error: String?

    public init(peer: String, state: MeshPair.State, rttMs: Double?, forSeconds: Double?, error: String?) {
        self.peer = peer; self.state = state; self.rttMs = rttMs; self.forSeconds = forSeconds; self.error = error
    }

    private enum CodingKeys: String, CodingKey { case peer, state, rttMs, forSeconds, error }

    /// As synthesized, but a number out of range (1e400) is refused naming `rttMs` or `forSeconds`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peer = try c.decode(String.self, forKey: .peer)
        state = try c.decode(MeshPair.State.self, forKey: .state)
        rttMs = try c.decodeIfPresentNamingField(Double.self, forKey: .rttMs)
        forSeconds = try c.decodeIfPresentNamingField(Double.self, forKey: .forSeconds)
        error = try c.decodeIfPresent(String.self, forKey: .error)
    }

    /// The largest `rttMs` a controller takes (one hour); more, or less than 0, is refused.
    public static let maxRTTMs: Double = 3_600_000
    /// The largest `forSeconds` a controller takes (ten years); more, or less than 0, is refused. A node
    /// leaves out a longer duration (its clock stepped) rather than send it.
    public static let maxForSeconds: Double = 315_360_000
}

/// The controller's answer to a health report, in the roster response.
public struct HealthReportReply: Codable, Sendable, Equatable {
    /// The report sequence number taken; the node may forget what it sent under it.
    public var ack: UInt64?
    /// The controller has no baseline for this node (it restarted, or the sequence
    /// did not follow on): send a full report on the next poll.
    public var sendFull: Bool
    /// How many of this node's peers report it `up`, and how many peers it has
    /// (active nodes minus itself): "reachable by 4/5 peers".
    public var reachableBy: Int
    public var peers: Int

    public init(ack: UInt64?, sendFull: Bool, reachableBy: Int, peers: Int) {
        self.ack = ack; self.sendFull = sendFull; self.reachableBy = reachableBy; self.peers = peers
    }
}
