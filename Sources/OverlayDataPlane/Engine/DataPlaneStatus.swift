/// What `overlayctl status`, `overlayctl peers` and /metrics show of the data plane.
public struct DataPlaneStatus: Sendable {
    public struct Peer: Sendable {
        public var name: String
        public var endpoint: String?
        public var txPackets: UInt64, txBytes: UInt64, rxPackets: UInt64, rxBytes: UInt64
        /// Seconds since the last data packet each way; nil when none yet.
        public var lastTxAgo: Double?, lastRxAgo: Double?
        /// Age of the key packets to this peer are sealed with; nil while there is none.
        public var sendKeyAge: Double?
        public var receiveKeys: Int
    }

    public var interface: String
    public var mtu: Int
    public var queues: Int
    public var listenPort: Int
    public var cipher: String
    public var peers: [Peer]
    public var drops: [(reason: String, count: UInt64)]
    public var keyChanges: UInt64
}
