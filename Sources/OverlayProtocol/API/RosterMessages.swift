import Foundation

/// `POST /v1/roster`: flow 2 and the node's heartbeat in one request.
public struct RosterRequest: Codable, Sendable {
    /// The version the node already holds; a match gets a short "unchanged" answer.
    public var knownVersion: String?
    /// Where peers reach this node, as the node sees it (`host:port`).
    public var advertise: String?
    /// The node's listening port, used with the address the controller sees when `advertise` is absent.
    public var listenPort: Int?
    /// What changed in this node's peer health since its last acknowledged report; absent when nothing did.
    public var health: HealthReport?
    /// The UDP port this node takes overlay traffic on, sent whenever its data plane is on; absent from `--no-tun` nodes.
    public var dataPort: Int?
    /// Seconds between this node's polls: after two missed ones the controller shows it as not reporting.
    public var pollInterval: Double?

    public init(knownVersion: String?, advertise: String?, listenPort: Int?, health: HealthReport? = nil, dataPort: Int? = nil,
                pollInterval: Double? = nil) {
        self.knownVersion = knownVersion; self.advertise = advertise; self.listenPort = listenPort; self.health = health
        self.dataPort = dataPort; self.pollInterval = pollInterval
    }

    private enum CodingKeys: String, CodingKey { case knownVersion, advertise, listenPort, health, dataPort, pollInterval }

    /// As synthesized, but a port number out of range (2^64) is refused naming its field.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        knownVersion = try c.decodeIfPresent(String.self, forKey: .knownVersion)
        advertise = try c.decodeIfPresent(String.self, forKey: .advertise)
        listenPort = try c.decodeIfPresentNamingField(Int.self, forKey: .listenPort)
        health = try c.decodeIfPresent(HealthReport.self, forKey: .health)
        dataPort = try c.decodeIfPresentNamingField(Int.self, forKey: .dataPort)
        pollInterval = try c.decodeIfPresentNamingField(Double.self, forKey: .pollInterval)
    }
}

public struct RosterEntry: Codable, Sendable, Equatable, Hashable {
    public var name: String
    public var overlayIP: String
    public var endpoint: String
    public var fingerprint: String
    /// The node's UDP data port; absent when it has no data plane (`--no-tun`): nothing is sent to it.
    public var dataPort: Int?
    /// The certificate a renewal replaced (refused everywhere): a peer that held a data
    /// session under it may keep that session for a moment while it makes a new one,
    /// instead of dropping traffic. Absent for a node that never renewed.
    public var previousFingerprint: String?

    public init(name: String, overlayIP: String, endpoint: String, fingerprint: String, dataPort: Int? = nil,
                previousFingerprint: String? = nil) {
        self.name = name; self.overlayIP = overlayIP; self.endpoint = endpoint; self.fingerprint = fingerprint
        self.dataPort = dataPort; self.previousFingerprint = previousFingerprint
    }
}

public struct RosterResponse: Codable, Sendable {
    public var version: String
    public var unchanged: Bool
    /// Absent when `unchanged`.
    public var nodes: [RosterEntry]?
    /// The answer to the request's health report (absent from controllers that predate reports).
    public var health: HealthReportReply?
    /// The DNS domain of the network's names (`overlay.internal`); sent with `nodes`, absent when `unchanged`.
    public var domain: String?
    /// The network's CAs; sent with `nodes`. A node trusts exactly these from then on,
    /// and renews soon when its certificate is not from the first.
    public var trust: TrustBundle?

    public init(version: String, unchanged: Bool, nodes: [RosterEntry]?, health: HealthReportReply? = nil, domain: String? = nil,
                trust: TrustBundle? = nil) {
        self.version = version; self.unchanged = unchanged; self.nodes = nodes; self.health = health
        self.domain = domain; self.trust = trust
    }
}

/// `POST /v1/leave`: the node stops cleanly and is inactive at once.
public struct LeaveResponse: Codable, Sendable {
    public var name: String
    public var active: Bool
    public init(name: String, active: Bool) { self.name = name; self.active = active }
}
