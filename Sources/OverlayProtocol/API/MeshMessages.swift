import Foundation

/// The mesh as the nodes themselves see it: for each ordered pair (A → B) of
/// active nodes, what A last reported about B. The controller's own view of a
/// node (it polls, so it is "active") says nothing about whether its peers can
/// reach it; this is the view that answers "why can't alice reach bob".
///
/// Served as JSON by `GET /mesh` on the controller's control socket, by
/// `GET /v1/mesh` on the TLS API (mutual TLS, for nodes; there only the pairs
/// that are not up), and read by the status page.
public struct MeshView: Codable, Sendable, Equatable {
    /// The roster version the view was computed against.
    public var rosterVersion: String
    /// When the view was computed (controller clock, ISO 8601 in JSON).
    public var generatedAt: Date
    /// Every ordered pair between active nodes, sorted by `from`, then `to`.
    public var pairs: [MeshPair]
    /// One summary per active node, sorted by name.
    public var nodes: [MeshNodeSummary]
    /// How many pairs that are not up were left out after the first `brokenPairsMax` (the TLS API
    /// and the status page cap the list, so a large partition cannot make an answer, or a browser's
    /// list, grow with N²); absent when none were.
    public var brokenPairsOmitted: Int?

    public init(rosterVersion: String, generatedAt: Date, pairs: [MeshPair], nodes: [MeshNodeSummary], brokenPairsOmitted: Int? = nil) {
        self.rosterVersion = rosterVersion; self.generatedAt = generatedAt; self.pairs = pairs; self.nodes = nodes
        self.brokenPairsOmitted = brokenPairsOmitted
    }

    /// At most this many pairs that are not up in a capped answer (the TLS API's `GET /v1/mesh`,
    /// the status page); the control socket gives them all.
    public static let brokenPairsMax = 1000

    /// Up to this many active nodes a grid of every pair is readable (`overlayctl mesh`, the status
    /// page); above it both show the per-node summary and the pairs that are not up instead.
    public static let gridMaxNodes = 40
}

/// What `from` reports about `to`.
public struct MeshPair: Codable, Sendable, Equatable, Hashable {
    public enum State: String, Codable, Sendable {
        /// `from` got a PONG from `to` in its last exchange.
        case up
        /// `from`'s last exchange with `to` failed.
        case down
        /// `from` has not reported on `to` yet (just joined, or its report is still on the way).
        case unknown
    }

    public var from: String
    public var to: String
    public var state: State
    /// Smoothed round-trip time in milliseconds, when `from` has measured one.
    public var rttMs: Double?
    /// Since when `from` has reported this state (controller clock); only for a pair that is
    /// not up and for which `from` gave a duration (a peer never measured has none).
    public var since: Date?
    /// `from` sees `to` down while `to` sees `from` up: a one-way failure.
    public var asymmetric: Bool
    /// The error `from` gave for a `down` pair, as it reported it.
    public var lastError: String?

    public init(from: String, to: String, state: State, rttMs: Double?, since: Date?, asymmetric: Bool, lastError: String?) {
        self.from = from; self.to = to; self.state = state; self.rttMs = rttMs
        self.since = since; self.asymmetric = asymmetric; self.lastError = lastError
    }
}

/// Per-node totals derived from the pairs.
public struct MeshNodeSummary: Codable, Sendable, Equatable {
    public enum Flag: String, Codable, Sendable {
        /// The node polls the controller, but no peer reports it `up` and at least one reports it `down`.
        case unreachableByPeers = "unreachable-by-peers"
        /// Some pair involving this node is asymmetric.
        case asymmetric
        /// The node has not sent a health report yet.
        case noReport = "no-report"
        /// The node has missed its polls (since `silentSince`): what it last said is not shown as current.
        case notReporting = "not-reporting"
    }

    public var name: String
    public var overlayIP: String
    /// How many peers report this node `up`.
    public var reachableBy: Int
    /// How many peers this node reports `up`.
    public var reaches: Int
    /// How many peers there are (active nodes minus this one).
    public var peers: Int
    public var flags: [Flag]
    /// With `not-reporting`: its last poll.
    public var silentSince: Date?

    public init(name: String, overlayIP: String, reachableBy: Int, reaches: Int, peers: Int, flags: [Flag], silentSince: Date? = nil) {
        self.name = name; self.overlayIP = overlayIP; self.reachableBy = reachableBy
        self.reaches = reaches; self.peers = peers; self.flags = flags; self.silentSince = silentSince
    }
}
