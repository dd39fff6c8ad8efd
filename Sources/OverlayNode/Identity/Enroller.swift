import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Flow 1 from the node's side. The node does not have the CA yet, so it
/// trusts the controller only if the controller's chain contains a CA with
/// the fingerprint in the token and its certificate chains to it and names
/// `overlayd-controller`. The token secret never leaves this process.
struct Enroller {
    let name: String
    let token: JoinToken
    let requestedIP: String?
    let group: any EventLoopGroup
    let logger: Logger

    /// Enrolls with `key`, which the caller has already saved: if the answer
    /// is lost, a retry with the same key gets the same certificate back.
    func enroll(key: PrivateKey) async throws -> NodeIdentity {
        let csr = try CertificateSigningRequest(commonName: name, key: key)
        let context = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .pinnedCAFingerprint(token.caFingerprint), clientAuthentication: .none))
        var lastError = ""
        for address in token.controllers {
            let target: HostPort
            do { target = try HostPort(parsing: address) } catch { lastError = "\(error)"; continue }
            let connection: HTTPClientConnection
            do {
                connection = try await HTTPClientConnection.connect(host: target.host, port: target.port, group: group) { channel in
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(
                        context: context, serverName: target.host, policy: .expectName(ControllerClient.controllerName)))
                }
            } catch {
                lastError = "\(address): \(error)"
                logger.warning("controller unreachable for enrollment", metadata: ["controller": "\(address)", "error": "\(error)"])
                continue
            }
            defer { Task { await connection.close() } }
            let nonce: NonceResponse
            do {
                nonce = try await connection.json(.POST, "/v1/enroll/nonce", as: NonceResponse.self)
            } catch let error as APIError {
                throw NodeError.enrollmentRefused(error.message)
            } catch {
                lastError = "\(address): \(error)"
                continue
            }
            let verifier = JoinProof.verifier(secret: token.secretBytes)
            let proof = JoinProof.proof(verifier: verifier, tokenID: token.id, nonce: nonce.nonce, name: name,
                                        requestedIP: requestedIP, csrPEM: csr.pem)
            let request = EnrollRequest(tokenID: token.id, nonce: nonce.nonce, name: name, requestedIP: requestedIP,
                                        csr: csr.pem, proof: proof)
            let reply: EnrollResponse
            do {
                reply = try await connection.json(.POST, "/v1/enroll", body: request, as: EnrollResponse.self)
            } catch let error as APIError {
                throw NodeError.enrollmentRefused(error.message)
            }
            let certificate = try Certificate(pem: reply.certificate)
            let ca = try Certificate(pem: reply.caCertificate)
            guard ca.fingerprint == token.caFingerprint.lowercased() else {
                throw NodeError.enrollmentRefused("the controller returned a CA that does not match the token's fingerprint")
            }
            try CertificateVerifier.verify(certificate, chainsTo: ca)
            guard key.matches(certificate), certificate.commonName == name else {
                throw NodeError.enrollmentRefused("the controller returned a certificate for another key or name")
            }
            return NodeIdentity(name: name, overlayIP: reply.overlayIP, network: reply.network,
                                controllers: token.controllers, certificate: certificate, key: key, ca: ca)
        }
        throw NodeError.controllerUnreachable(token.controllers, lastError)
    }
}
