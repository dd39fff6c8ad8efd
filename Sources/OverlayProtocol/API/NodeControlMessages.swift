import Foundation

/// A peer's health as `overlayctl peers` shows it.
public struct PeerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var overlayIP: String
    public var endpoint: String
    /// `up`, `down` or `unknown`.
    public var state: String
    public var rttMs: Double?
    public var smoothedRttMs: Double?
    public var lastPong: Date?
    public var consecutiveFailures: Int
    public var lastError: String?
    /// Overlay traffic with this peer; absent on a `--no-tun` node.
    public var data: PeerDataStatus?

    public init(name: String, overlayIP: String, endpoint: String, state: String, rttMs: Double?, smoothedRttMs: Double?,
                lastPong: Date?, consecutiveFailures: Int, lastError: String?) {
        self.name = name; self.overlayIP = overlayIP; self.endpoint = endpoint; self.state = state
        self.rttMs = rttMs; self.smoothedRttMs = smoothedRttMs; self.lastPong = lastPong
        self.consecutiveFailures = consecutiveFailures; self.lastError = lastError
    }
}

public struct PeersResponse: Codable, Sendable {
    public var peers: [PeerStatus]
    /// The network's DNS domain, once a roster brought it: peer `bob` answers as `bob.<domain>`.
    public var domain: String?
    public init(peers: [PeerStatus], domain: String? = nil) { self.peers = peers; self.domain = domain }
}

public struct NodeStatus: Codable, Sendable {
    public var name: String
    public var overlayIP: String
    public var network: String
    public var listen: String
    public var controller: String
    public var controllerReachable: Bool
    public var lastRosterAt: Date?
    public var rosterVersion: String?
    public var peers: Int
    public var peersUp: Int
    /// `persistent` or `per-round`.
    public var peerConnections: String
    /// TLS connections this node has dialed to peers / accepted from peers since it started.
    public var peerConnectionsDialed: Int
    public var peerConnectionsAccepted: Int
    /// TLS connections opened to the controller since start: stays at 1 while keep-alive holds.
    public var controllerConnections: Int
    /// Roster requests answered since start.
    public var rosterPolls: Int
    public var startedAt: Date
    public var uptimeSeconds: Double
    /// What the controller's mesh view says about this node: how many peers report it `up`, out of how many
    /// (absent until a controller that gathers health reports has answered).
    public var reachableBy: Int?
    public var reachablePeers: Int?
    public var reachabilityAt: Date?
    /// What health reporting has cost since start.
    public var healthReports: HealthReportCounters?
    /// The intervals and thresholds in effect now (a SIGHUP reload may have
    /// changed them since start); absent from nodes older than this field.
    public var timers: NodeTimerSettings?
    /// The TUN interface, MTU, key ages and drops; absent on a `--no-tun` node.
    public var dataPlane: DataPlaneSummary?
    /// The resolver for `NAME.domain`; absent with `--dns off`.
    public var dns: NodeDNSStatus?
    /// The node's certificate: when it expires, when it renews, and failed renewals.
    public var certificate: CertificateStatus?

    public init(name: String, overlayIP: String, network: String, listen: String, controller: String,
                controllerReachable: Bool, lastRosterAt: Date?, rosterVersion: String?, peers: Int, peersUp: Int,
                peerConnections: String, peerConnectionsDialed: Int, peerConnectionsAccepted: Int,
                controllerConnections: Int, rosterPolls: Int, startedAt: Date, uptimeSeconds: Double) {
        self.controllerConnections = controllerConnections
        self.rosterPolls = rosterPolls
        self.peerConnections = peerConnections
        self.peerConnectionsDialed = peerConnectionsDialed
        self.peerConnectionsAccepted = peerConnectionsAccepted
        self.name = name; self.overlayIP = overlayIP; self.network = network; self.listen = listen
        self.controller = controller; self.controllerReachable = controllerReachable; self.lastRosterAt = lastRosterAt
        self.rosterVersion = rosterVersion; self.peers = peers; self.peersUp = peersUp
        self.startedAt = startedAt; self.uptimeSeconds = uptimeSeconds
    }
}

/// A node's live timer settings, in seconds, as its config or last reload set them.
public struct NodeTimerSettings: Codable, Sendable, Equatable {
    public var rosterIntervalSeconds: Double
    public var pingIntervalSeconds: Double
    public var pingTimeoutSeconds: Double
    public var reportRTTFloorSeconds: Double

    public init(rosterIntervalSeconds: Double, pingIntervalSeconds: Double, pingTimeoutSeconds: Double, reportRTTFloorSeconds: Double) {
        self.rosterIntervalSeconds = rosterIntervalSeconds; self.pingIntervalSeconds = pingIntervalSeconds
        self.pingTimeoutSeconds = pingTimeoutSeconds; self.reportRTTFloorSeconds = reportRTTFloorSeconds
    }
}

public struct PingRequest: Codable, Sendable {
    public var name: String
    public var count: Int
    public init(name: String, count: Int) { self.name = name; self.count = count }
}

public struct PingResult: Codable, Sendable {
    public var seq: UInt64
    public var rttMs: Double?
    public var error: String?
    public init(seq: UInt64, rttMs: Double?, error: String?) { self.seq = seq; self.rttMs = rttMs; self.error = error }
}

public struct PingResponse: Codable, Sendable {
    public var name: String
    public var endpoint: String
    public var results: [PingResult]
    public init(name: String, endpoint: String, results: [PingResult]) {
        self.name = name; self.endpoint = endpoint; self.results = results
    }
}

/// The node's resolver as `overlayctl status` and `overlayctl resolve` need it.
public struct NodeDNSStatus: Codable, Sendable, Equatable {
    /// The network's domain (`overlay.internal`); absent until the first roster.
    public var domain: String?
    /// Where the resolver answers, `addr:port`, the loopback address last when there is one.
    public var listen: [String]
    /// How the host's lookups reach it: `resolved on ovl0`, `hosts file /etc/hosts`, or `none`.
    public var host: String
    /// The last error the host wiring met, if its last attempt failed.
    public var hostError: String?
    public var search: Bool
    /// Names the resolver answers for now.
    public var names: Int
    /// Queries answered since start, by outcome (`answer`, `nxdomain`, `refused`, ...).
    public var queries: [String: UInt64]

    public init(domain: String?, listen: [String], host: String, hostError: String?, search: Bool, names: Int, queries: [String: UInt64]) {
        self.domain = domain; self.listen = listen; self.host = host; self.hostError = hostError
        self.search = search; self.names = names; self.queries = queries
    }
}
