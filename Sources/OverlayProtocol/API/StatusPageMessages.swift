import Foundation

/// `GET /status.json` on the controller's status page: everything the page
/// shows, in one read-only document. No keys, no tokens, no certificates.
public struct StatusPageSnapshot: Codable, Sendable, Equatable {
    public var network: StatusNetworkSummary
    /// Every registered node, sorted by overlay IP.
    public var roster: [StatusRosterNode]
    /// Every pair up to `MeshView.gridMaxNodes` active nodes; above that only the
    /// pairs that are not up (`meshBrokenOnly`), so a large network's page stays small.
    public var mesh: MeshView
    /// True when `mesh` holds only the pairs that are not up: the page then shows the
    /// per-node summary and those pairs instead of the grid.
    public var meshBrokenOnly: Bool

    public init(network: StatusNetworkSummary, roster: [StatusRosterNode], mesh: MeshView, meshBrokenOnly: Bool) {
        self.network = network; self.roster = roster; self.mesh = mesh; self.meshBrokenOnly = meshBrokenOnly
    }
}

public struct StatusNetworkSummary: Codable, Sendable, Equatable {
    /// The CA's common name: what names this network.
    public var name: String
    /// The overlay range, e.g. 100.64.0.0/16.
    public var range: String
    /// SHA-256 of the CA certificate (what join tokens pin).
    public var caFingerprint: String
    public var activeNodes: Int
    public var registeredNodes: Int
    public var rosterVersion: String
    public var generatedAt: Date

    public init(name: String, range: String, caFingerprint: String, activeNodes: Int, registeredNodes: Int,
                rosterVersion: String, generatedAt: Date) {
        self.name = name; self.range = range; self.caFingerprint = caFingerprint; self.activeNodes = activeNodes
        self.registeredNodes = registeredNodes; self.rosterVersion = rosterVersion; self.generatedAt = generatedAt
    }
}

public struct StatusRosterNode: Codable, Sendable, Equatable {
    public var name: String
    public var overlayIP: String
    /// Where peers reach it, while it is active.
    public var endpoint: String?
    public var active: Bool
    public var lastSeen: Date?

    public init(name: String, overlayIP: String, endpoint: String?, active: Bool, lastSeen: Date?) {
        self.name = name; self.overlayIP = overlayIP; self.endpoint = endpoint; self.active = active; self.lastSeen = lastSeen
    }
}
