import Foundation

/// One registered node as the controller's control socket lists it.
public struct RegisteredNode: Codable, Sendable, Equatable {
    public var name: String
    public var overlayIP: String
    public var endpoint: String?
    public var active: Bool
    public var lastSeen: Date?
    public var fingerprint: String
    public var registeredAt: Date

    public init(name: String, overlayIP: String, endpoint: String?, active: Bool, lastSeen: Date?,
                fingerprint: String, registeredAt: Date) {
        self.name = name; self.overlayIP = overlayIP; self.endpoint = endpoint; self.active = active
        self.lastSeen = lastSeen; self.fingerprint = fingerprint; self.registeredAt = registeredAt
    }
}

public struct RosterListing: Codable, Sendable {
    public var version: String
    public var nodes: [RegisteredNode]
    /// The network's DNS domain: node `bob` answers as `bob.<domain>`.
    public var domain: String?
    public init(version: String, nodes: [RegisteredNode], domain: String? = nil) {
        self.version = version; self.nodes = nodes; self.domain = domain
    }
}

public struct ControllerStatus: Codable, Sendable {
    public var network: String
    /// Set while the registry is rebuilt after a lost database (`--recover-registry`): new nodes enroll from then.
    public var registryRecoveryUntil: Date?
    public var caFingerprint: String
    public var listen: String
    public var advertise: [String]
    public var registeredNodes: Int
    public var activeNodes: Int
    public var activeTimeoutSeconds: Double
    public var rosterVersion: String
    public var startedAt: Date
    public var uptimeSeconds: Double

    public init(network: String, caFingerprint: String, listen: String, advertise: [String], registeredNodes: Int,
                activeNodes: Int, activeTimeoutSeconds: Double, rosterVersion: String, startedAt: Date, uptimeSeconds: Double) {
        self.network = network; self.caFingerprint = caFingerprint; self.listen = listen; self.advertise = advertise
        self.registeredNodes = registeredNodes; self.activeNodes = activeNodes
        self.activeTimeoutSeconds = activeTimeoutSeconds; self.rosterVersion = rosterVersion
        self.startedAt = startedAt; self.uptimeSeconds = uptimeSeconds
    }
}

public struct TokenCreateRequest: Codable, Sendable {
    public var ttlSeconds: Double
    public var uses: Int
    public var name: String?
    public init(ttlSeconds: Double, uses: Int, name: String?) { self.ttlSeconds = ttlSeconds; self.uses = uses; self.name = name }
}

public struct TokenInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var createdAt: Date
    public var expiresAt: Date
    public var usesLeft: Int
    public var revoked: Bool

    public init(id: String, name: String?, createdAt: Date, expiresAt: Date, usesLeft: Int, revoked: Bool) {
        self.id = id; self.name = name; self.createdAt = createdAt; self.expiresAt = expiresAt
        self.usesLeft = usesLeft; self.revoked = revoked
    }
}

public struct TokenCreated: Codable, Sendable {
    public var token: String
    public var info: TokenInfo
    public init(token: String, info: TokenInfo) { self.token = token; self.info = info }
}

public struct TokenList: Codable, Sendable {
    public var tokens: [TokenInfo]
    public init(tokens: [TokenInfo]) { self.tokens = tokens }
}

public struct NodeRemoved: Codable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// `POST /v1/nodes`: a node certificate made outside the controller
/// (certs/make-node.sh), PEM, to register without a token.
public struct NodeImportRequest: Codable, Sendable {
    public var certificate: String
    public init(certificate: String) { self.certificate = certificate }
}

/// The network's CAs as `overlayctl ca status` shows them: who signs now, who
/// is still trusted while nodes move, and which nodes hold a certificate of each.
public struct CAListing: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var fingerprint: String
        public var subject: String
        public var notBefore: Date
        public var notAfter: Date
        /// `signing` (new certificates) or `retiring` (trusted until `ca retire`).
        public var role: String
        /// Registered nodes whose current certificate this CA issued, and which of them are active.
        public var nodes: [String]
        public var activeNodes: [String]

        public init(fingerprint: String, subject: String, notBefore: Date, notAfter: Date, role: String,
                    nodes: [String], activeNodes: [String]) {
            self.fingerprint = fingerprint; self.subject = subject; self.notBefore = notBefore; self.notAfter = notAfter
            self.role = role; self.nodes = nodes; self.activeNodes = activeNodes
        }
    }
    public var cas: [Entry]
    /// After a retire: registered nodes (inactive) whose certificate only the retired CA vouched for; each needs a new token.
    public var stranded: [String]?
    public init(cas: [Entry], stranded: [String]? = nil) { self.cas = cas; self.stranded = stranded }
}
