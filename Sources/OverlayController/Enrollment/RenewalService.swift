import Foundation
import Logging
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Certificate renewal: a registered node, authenticated by its current
/// certificate over mutual TLS, gets a new certificate for a new key with the
/// same name and overlay IP. No token: the certificate is the credential, and
/// it is good only until it is renewed, so a stolen node key expires with it.
public struct RenewalService: Sendable {
    let store: any ControllerStore
    let ca: NetworkCA
    let lifetime: TimeInterval
    let roster: Roster
    let logger: Logger

    public func renew(_ request: RenewRequest, peer: PeerIdentity, now: Date = Date()) throws(EnrollmentError) -> RenewResponse {
        let issuer = NodeCertificateIssuer(ca: ca, lifetime: lifetime)
        let csr = try issuer.request(request.csr)
        let result = try NodeCertificateIssuer.storing(store) {
            try store.renew(name: peer.name, presented: peer.fingerprint, now: now, isRetry: { stored in
                (try? Certificate(pem: stored.certificate))?.publicKeyDER == csr.publicKeyDER
            }, issue: { node throws(EnrollmentError) in
                if let current = try? Certificate(pem: node.certificate), current.publicKeyDER == csr.publicKeyDER {
                    throw .keyNotRotated
                }
                return try issuer.issue(csr, name: node.name, overlayIP: node.overlayIP, now: now)
            })
        }
        let node = result.node
        let certificate: Certificate
        do { certificate = try Certificate(pem: node.certificate) } catch { throw .storage("the stored certificate of \(node.name) does not parse: \(error)") }
        if result.repeated {
            logger.notice("renewal repeated with the same new key; answering with the stored certificate",
                          metadata: ["event": "renewal-repeated", "node": "\(node.name)"])
        } else {
            roster.renewed(node)
            logger.notice("certificate renewed", metadata: [
                "event": "node-renewed", "node": "\(node.name)", "ip": "\(node.overlayIP)",
                "old_cert_sha256": "\(peer.fingerprint.prefix(16))", "cert_sha256": "\(node.fingerprint.prefix(16))",
                "not_after": "\(ISO8601DateFormatter().string(from: certificate.notAfter))"])
        }
        return RenewResponse(certificate: node.certificate, caCertificate: ca.certificate.pem, notAfter: certificate.notAfter,
                             trust: ca.bundle)
    }
}
