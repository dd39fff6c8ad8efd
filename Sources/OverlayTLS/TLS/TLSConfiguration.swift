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
        /// Peers must chain to one of these network CAs: one, or two while the
        /// network moves to a new CA (`overlayctl ca rotate` until `ca retire`).
        case networkCAs([Certificate])
        /// Bootstrap before a node has the CA: the peer's chain must contain a
        /// CA with this SHA-256 fingerprint and the leaf must chain to it.
        case pinnedCAFingerprint(String)
    }

    /// Our leaf first, then any intermediates (the new CA cross-signed by the
    /// old one during a CA rollover), then the CAs (sent so peers can pin them).
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
        mutual(certificate: certificate, intermediates: [], key: key, trust: [ca], clientAuthentication: clientAuthentication)
    }

    /// A node or controller identity trusting every CA in `trust` (the signing
    /// CA first). The chain it presents is the leaf, its intermediates, then the
    /// trusted CAs: a peer that still trusts only the old CA verifies a leaf of
    /// the new one through the cross-signed intermediate.
    public static func mutual(certificate: Certificate, intermediates: [Certificate], key: PrivateKey, trust: [Certificate],
                              clientAuthentication: ClientAuthentication = .required) -> TLSConfiguration {
        TLSConfiguration(certificateChain: [certificate] + intermediates + trust, privateKey: key, trust: .networkCAs(trust),
                         clientAuthentication: clientAuthentication)
    }
}

extension TLSConfiguration.Trust {
    /// Peers must chain to this network CA.
    public static func networkCA(_ ca: Certificate) -> Self { .networkCAs([ca]) }
}
