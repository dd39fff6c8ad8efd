import Foundation
import OverlayTLS

/// What enrollment and renewal share: reading a node's certificate request
/// strictly, and signing it for one name and one overlay IP for the network's
/// certificate lifetime. One place, so the two can never sign differently.
struct NodeCertificateIssuer: Sendable {
    let ca: NetworkCA
    let lifetime: TimeInterval

    static let maxRequestBytes = 16 * 1024

    func request(_ pem: String) throws(EnrollmentError) -> CertificateSigningRequest {
        guard pem.utf8.count < Self.maxRequestBytes else { throw .invalidRequest("certificate request too large") }
        do {
            let csr = try CertificateSigningRequest(pem: pem)
            try csr.verifySignature()
            return csr
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    func issue(_ csr: CertificateSigningRequest, name: String, overlayIP: String, now: Date) throws(EnrollmentError) -> IssuedCertificate {
        do {
            let cert = try ca.sign(request: csr, name: name, ipAddresses: [overlayIP], validity: lifetime, notBefore: now)
            return IssuedCertificate(pem: cert.pem, fingerprint: cert.fingerprint, serial: cert.serial)
        } catch {
            throw .invalidRequest("\(error)")
        }
    }

    /// Runs a store transaction: its own refusals pass through, anything else is a storage failure
    /// described by the store (disk full, read-only, damaged).
    static func storing<T>(_ store: any ControllerStore, _ body: () throws -> T) throws(EnrollmentError) -> T {
        do {
            return try body()
        } catch let error as EnrollmentError {
            throw error
        } catch {
            throw .storage(store.describe(error))
        }
    }
}
