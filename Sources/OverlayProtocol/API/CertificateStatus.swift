import Foundation

/// The node's certificate and its renewal, in `overlayctl status`: an operator
/// sees a renewal that keeps failing days before the certificate expires.
public struct CertificateStatus: Codable, Sendable, Equatable {
    public var fingerprint: String
    public var notAfter: Date
    /// When the node renews (two thirds of the lifetime), or retries after a failure.
    public var renewAt: Date
    public var renewals: Int
    public var lastRenewedAt: Date?
    /// Failed attempts since the last success, and the last one's error.
    public var failures: Int
    public var lastError: String?

    public init(fingerprint: String, notAfter: Date, renewAt: Date, renewals: Int = 0, lastRenewedAt: Date? = nil,
                failures: Int = 0, lastError: String? = nil) {
        self.fingerprint = fingerprint; self.notAfter = notAfter; self.renewAt = renewAt; self.renewals = renewals
        self.lastRenewedAt = lastRenewedAt; self.failures = failures; self.lastError = lastError
    }
}
