import Foundation
import Logging
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Flow 1: checks the request, the nonce and the proof, then lets the store
/// do the rest in one transaction while the CA signs inside it.
public struct EnrollmentService: Sendable {
    let store: any ControllerStore
    let ca: NetworkCA
    let nonces: NonceStore
    let network: IPv4Network
    let certificateValidity: TimeInterval
    let roster: Roster
    let logger: Logger

    public func enroll(_ request: EnrollRequest, now: Date = Date()) throws(EnrollmentError) -> EnrollResponse {
        do { try NodeName.validate(request.name) } catch { throw .invalidName(error.description) }
        if let ip = request.requestedIP, IPv4Address(ip) == nil { throw .invalidIP(ip) }
        let issuer = NodeCertificateIssuer(ca: ca, lifetime: certificateValidity)
        let csr = try issuer.request(request.csr)
        // Spend the nonce before anything else: one nonce, one attempt.
        guard nonces.consume(request.nonce, now: now) else { throw .nonceInvalid }
        let attempt = EnrollmentAttempt(tokenID: request.tokenID, name: request.name, requestedIP: request.requestedIP,
                                        network: network, now: now)
        let node = try NodeCertificateIssuer.storing(store) {
            try store.enroll(attempt, checkToken: { token throws(EnrollmentError) in
                guard JoinProof.verify(proof: request.proof, verifier: token.verifier, tokenID: request.tokenID,
                                       nonce: request.nonce, name: request.name, requestedIP: request.requestedIP,
                                       csrPEM: request.csr) else { throw .badProof }
            }, isRetry: { existing in
                guard request.requestedIP == nil || request.requestedIP == existing.overlayIP,
                      let cert = try? Certificate(pem: existing.certificate) else { return false }
                return cert.publicKeyDER == csr.publicKeyDER
            }, issue: { ip throws(EnrollmentError) in
                try issuer.issue(csr, name: request.name, overlayIP: ip, now: now)
            })
        }
        if node.registeredAt < now {
            logger.notice("enrollment repeated with the same key; answering with the stored certificate",
                          metadata: ["event": "enrollment-repeated", "node": "\(node.name)", "ip": "\(node.overlayIP)"])
        } else {
            roster.registered(node)
            logger.notice("node enrolled", metadata: ["event": "enrollment-ok", "node": "\(node.name)", "ip": "\(node.overlayIP)",
                                                      "token_id": "\(request.tokenID)", "cert_sha256": "\(node.fingerprint.prefix(16))"])
        }
        return EnrollResponse(name: node.name, overlayIP: node.overlayIP, network: network.description,
                              certificate: node.certificate, caCertificate: ca.certificate.pem, trust: ca.bundle)
    }
}
