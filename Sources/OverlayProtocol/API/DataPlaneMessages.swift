import Foundation

/// A peer's data traffic, as `overlayctl peers` shows it beside its health.
public struct PeerDataStatus: Codable, Sendable, Equatable {
    /// Where this node sends the peer's packets (the roster's address, or where the peer last sent from).
    public var endpoint: String?
    public var txPackets: UInt64
    public var txBytes: UInt64
    public var rxPackets: UInt64
    public var rxBytes: UInt64
    /// Seconds since the last data packet sent / received; absent when none yet.
    public var lastTxSecondsAgo: Double?
    public var lastRxSecondsAgo: Double?
    /// Age of the key packets to this peer are sealed with; absent while there is none (no session yet).
    public var sendKeyAgeSeconds: Double?
    public var receiveKeys: Int

    public init(endpoint: String?, txPackets: UInt64, txBytes: UInt64, rxPackets: UInt64, rxBytes: UInt64,
                lastTxSecondsAgo: Double?, lastRxSecondsAgo: Double?, sendKeyAgeSeconds: Double?, receiveKeys: Int) {
        self.endpoint = endpoint; self.txPackets = txPackets; self.txBytes = txBytes; self.rxPackets = rxPackets
        self.rxBytes = rxBytes; self.lastTxSecondsAgo = lastTxSecondsAgo; self.lastRxSecondsAgo = lastRxSecondsAgo
        self.sendKeyAgeSeconds = sendKeyAgeSeconds; self.receiveKeys = receiveKeys
    }
}

/// The node's data plane in `overlayctl status`: absent on a `--no-tun` node.
public struct DataPlaneSummary: Codable, Sendable, Equatable {
    public var tun: String
    public var mtu: Int
    public var queues: Int
    public var dataPort: Int
    public var cipher: String
    public var rekeyIntervalSeconds: Double
    /// The youngest and oldest send key among peers; absent with no keys.
    public var newestKeyAgeSeconds: Double?
    public var oldestKeyAgeSeconds: Double?
    /// Sessions whose keys were installed since start.
    public var keyInstalls: UInt64
    /// Packets dropped since start, by reason (`unknown-key`, `replay`, `spoofed-source`, …).
    public var drops: [String: UInt64]

    public init(tun: String, mtu: Int, queues: Int, dataPort: Int, cipher: String, rekeyIntervalSeconds: Double,
                newestKeyAgeSeconds: Double?, oldestKeyAgeSeconds: Double?, keyInstalls: UInt64, drops: [String: UInt64]) {
        self.tun = tun; self.mtu = mtu; self.queues = queues; self.dataPort = dataPort; self.cipher = cipher
        self.rekeyIntervalSeconds = rekeyIntervalSeconds; self.newestKeyAgeSeconds = newestKeyAgeSeconds
        self.oldestKeyAgeSeconds = oldestKeyAgeSeconds; self.keyInstalls = keyInstalls; self.drops = drops
    }
}
