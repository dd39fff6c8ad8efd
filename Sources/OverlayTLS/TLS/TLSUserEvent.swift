/// Fired inbound once the handshake and every peer check have passed, so
/// handlers above learn who they talk to before the first byte arrives.
public enum TLSUserEvent: Sendable {
    /// `peer` is nil only on a listener with optional client authentication whose client sent no certificate.
    case handshakeCompleted(peer: PeerIdentity?, protocolVersion: String, cipher: String)
}
