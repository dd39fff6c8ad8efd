import OverlayCore

/// What the peer listener allows one source address, from the node's config.
struct PeerListenerLimits: Sendable, Equatable {
    /// New connections (each a TLS handshake) per source address.
    var handshakeRate: RateLimit = NodeConfiguration.defaultPeerHandshakeRate
    /// Open connections from one source address.
    var connectionsPerSource: Int = NodeConfiguration.defaultMaxPeerConnectionsPerSource
}
