import Foundation

/// `POST /v1/renew`: a node renews its certificate over its mutual-TLS
/// connection, authenticated by the certificate it replaces, with a new key:
/// a stolen key is good only until the next renewal, not for a year.
public struct RenewRequest: Codable, Sendable {
    /// A PEM certificate request over the node's new key.
    public var csr: String

    public init(csr: String) { self.csr = csr }
}

public struct RenewResponse: Codable, Sendable {
    public var certificate: String
    public var caCertificate: String
    public var notAfter: Date
    /// The CAs to trust from now on and the intermediates to present (absent from controllers before CA rollover).
    public var trust: TrustBundle?

    public init(certificate: String, caCertificate: String, notAfter: Date, trust: TrustBundle? = nil) {
        self.certificate = certificate; self.caCertificate = caCertificate; self.notAfter = notAfter; self.trust = trust
    }
}
