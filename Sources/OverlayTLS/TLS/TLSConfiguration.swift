/// What a TLS endpoint presents and whom it trusts. TLS 1.3 only; there is
/// no switch to lower it.
public struct TLSConfiguration: Sendable {
    public enum ClientAuthentication: Sendable {
        /// Mutual TLS: the default everywhere after enrollment.
        case required
        /// A certificate is verified if sent; handlers decide per request (the controller's enrollment endpoint).
        case optional
        /// Never ask for one.
        case none
    }

    public enum Trust: Sendable {
        /// Peers must chain to this network CA.
        case networkCA(Certificate)
        /// Bootstrap before a node has the CA: the peer's chain must contain a
        /// CA with this SHA-256 fingerprint and the leaf must chain to it.
        case pinnedCAFingerprint(String)
    }

    /// Our leaf first, then the CA (sent so peers can pin it).
    public var certificateChain: [Certificate]
    public var privateKey: PrivateKey?
    public var trust: Trust
    public var clientAuthentication: ClientAuthentication

    public init(certificateChain: [Certificate], privateKey: PrivateKey?, trust: Trust,
                clientAuthentication: ClientAuthentication = .required) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trust = trust
        self.clientAuthentication = clientAuthentication
    }

    /// A node or controller identity trusting its network CA.
    public static func mutual(certificate: Certificate, key: PrivateKey, ca: Certificate,
                              clientAuthentication: ClientAuthentication = .required) -> TLSConfiguration {
        TLSConfiguration(certificateChain: [certificate, ca], privateKey: key, trust: .networkCA(ca),
                         clientAuthentication: clientAuthentication)
    }
}
