import OverlayCore
import OverlayTLS

/// What the node asks of its data plane.
public struct DataPlaneConfiguration: Sendable {
    public var interface: String
    public var queues: Int
    public var mtu: Int
    /// This node's overlay IP, inside the overlay network.
    public var overlayIP: IPv4Address
    public var network: IPv4Network
    /// Where to listen for data (UDP).
    public var listenHost: String
    public var listenPort: Int
    public var cipher: DataCipher
    /// A new TLS session (so new keys) is due after this long; keys are refused after `rejectAfter`.
    public var rekeyAfter: Double
    public var rejectAfter: Double

    public static let defaultRekey = 120.0

    public init(interface: String, queues: Int, mtu: Int, overlayIP: IPv4Address, network: IPv4Network, listenHost: String, listenPort: Int,
                cipher: DataCipher = .aes128gcm, rekeyAfter: Double = defaultRekey, rejectAfter: Double = defaultRekey * 1.5) {
        self.interface = interface; self.queues = queues; self.mtu = mtu; self.overlayIP = overlayIP; self.network = network
        self.listenHost = listenHost; self.listenPort = listenPort; self.cipher = cipher
        self.rekeyAfter = rekeyAfter; self.rejectAfter = rejectAfter
    }
}

/// A peer as the roster lists it, for the data plane.
public struct DataPeerSpec: Sendable, Equatable {
    public var name: String
    public var overlayIP: IPv4Address
    public var fingerprint: String
    /// Where its data goes until an authenticated packet says otherwise; nil when it cannot be resolved.
    public var endpoint: DataEndpoint?

    public init(name: String, overlayIP: IPv4Address, fingerprint: String, endpoint: DataEndpoint?) {
        self.name = name; self.overlayIP = overlayIP; self.fingerprint = fingerprint; self.endpoint = endpoint
    }
}

/// One installed session's send key, for `confirm`.
public struct DataSession: Sendable, Equatable {
    public let peer: String
    let sendKeyID: UInt32
}
