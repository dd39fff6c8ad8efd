/// TLS failures in the words an operator needs: which side refused what, and why.
public enum TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// We checked the peer's certificate and refused it ("certificate signed by unknown CA", "certificate expired").
    case peerCertificateRejected(String)
    /// The peer presented no certificate where one is required.
    case peerCertificateMissing
    /// The certificate verified, but the extra policy refused it ("peer name bob does not match expected carol").
    case peerNotAllowed(String)
    /// The peer refused us and said why in an alert ("unknown ca", "certificate required").
    case rejectedByPeer(String)
    /// Any other handshake failure, with OpenSSL's reason.
    case handshakeFailed(String)
    case handshakeTimeout
    /// The connection ended without close_notify: data may have been truncated.
    case uncleanShutdown
    /// A TLS record or protocol error after the handshake.
    case protocolError(String)
    /// A configuration that cannot work (missing key, key not matching its certificate).
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .peerCertificateRejected(let r): return r
        case .peerCertificateMissing: return "peer presented no certificate (a client certificate is required)"
        case .peerNotAllowed(let r): return r
        case .rejectedByPeer(let r): return "peer refused our certificate or handshake: \(r)"
        case .handshakeFailed(let r): return "TLS handshake failed: \(r)"
        case .handshakeTimeout: return "TLS handshake timed out"
        case .uncleanShutdown: return "connection closed without TLS close_notify (possible truncation)"
        case .protocolError(let r): return "TLS protocol error: \(r)"
        case .invalidConfiguration(let r): return "invalid TLS configuration: \(r)"
        }
    }
}
