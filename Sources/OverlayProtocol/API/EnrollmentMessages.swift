import Foundation

/// `POST /v1/enroll/nonce`: a single-use challenge the join proof must cover.
public struct NonceResponse: Codable, Sendable {
    public var nonce: String
    public var expiresAt: Date
    public init(nonce: String, expiresAt: Date) { self.nonce = nonce; self.expiresAt = expiresAt }
}

/// `POST /v1/enroll`: flow 1. `proof` is HMAC-SHA256 under the token's
/// derived key over the nonce and every other field, so the secret never
/// crosses the wire and nothing in the request can be swapped.
public struct EnrollRequest: Codable, Sendable {
    public var tokenID: String
    public var nonce: String
    public var name: String
    public var requestedIP: String?
    public var csr: String
    public var proof: String

    public init(tokenID: String, nonce: String, name: String, requestedIP: String?, csr: String, proof: String) {
        self.tokenID = tokenID; self.nonce = nonce; self.name = name
        self.requestedIP = requestedIP; self.csr = csr; self.proof = proof
    }
}

public struct EnrollResponse: Codable, Sendable {
    public var name: String
    public var overlayIP: String
    public var network: String
    public var certificate: String
    public var caCertificate: String
    /// Every CA the network trusts and the intermediates to present: during a CA rollover
    /// a token pins either CA (absent from controllers before CA rollover).
    public var trust: TrustBundle?

    public init(name: String, overlayIP: String, network: String, certificate: String, caCertificate: String,
                trust: TrustBundle? = nil) {
        self.name = name; self.overlayIP = overlayIP; self.network = network
        self.certificate = certificate; self.caCertificate = caCertificate; self.trust = trust
    }
}
