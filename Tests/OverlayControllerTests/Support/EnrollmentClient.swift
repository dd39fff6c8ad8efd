import Foundation
import NIOHTTP1
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// A node's identity after flow 1: its own key, the certificate the
/// controller signed, and the network CA it chains to.
struct EnrolledNode: Sendable {
    let name: String
    let overlayIP: String
    let network: String
    let key: PrivateKey
    let certificate: Certificate
    let ca: Certificate

    /// `name.crt`, `name.key` (unencrypted, for curl) and `ca.crt` in `dir`.
    func writeFiles(in dir: TempDirectory) throws -> (certificate: String, key: String, ca: String) {
        (try dir.write("\(name).crt", certificate.pem, mode: 0o644),
         try dir.write("\(name).key", key.unencryptedPEM(), mode: 0o600),
         try dir.write("ca.crt", ca.pem, mode: 0o644))
    }
}

/// Flow 1 as a node performs it: fresh key pair, a TLS connection that
/// trusts the controller only through the CA fingerprint in the token, a
/// nonce, the HMAC proof over every field, and the certificate request.
/// The lower-level steps are exposed so tests can tamper with each.
struct EnrollmentClient: Sendable {
    let port: Int
    let token: JoinToken

    /// The bootstrap context: no client certificate, the CA pinned by fingerprint.
    func context() throws -> TLSContext {
        try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .pinnedCAFingerprint(token.caFingerprint), clientAuthentication: .none))
    }

    func connect() async throws -> HTTPClientConnection {
        try await Connect.tls(port: port, context: try context())
    }

    func nonce(on connection: HTTPClientConnection) async throws -> NonceResponse {
        try await connection.send(.POST, "/v1/enroll/nonce").expect(NonceResponse.self)
    }

    /// A signed request for `name`. `csrName` is the subject the CSR asks
    /// for (the controller must ignore it); `secret` replaces the token's
    /// secret in the proof (a wrong token).
    func request(name: String, requestedIP: String? = nil, nonce: String, key: PrivateKey,
                 csrName: String? = nil, secret: [UInt8]? = nil) throws -> EnrollRequest {
        let csr = try CertificateSigningRequest(commonName: csrName ?? name, key: key)
        let verifier = JoinProof.verifier(secret: secret ?? token.secretBytes)
        let proof = JoinProof.proof(verifier: verifier, tokenID: token.id, nonce: nonce, name: name,
                                    requestedIP: requestedIP, csrPEM: csr.pem)
        return EnrollRequest(tokenID: token.id, nonce: nonce, name: name, requestedIP: requestedIP, csr: csr.pem, proof: proof)
    }

    func submit(_ request: EnrollRequest, on connection: HTTPClientConnection) async throws -> Reply {
        try await connection.send(.POST, "/v1/enroll", json: request)
    }

    /// The whole flow on one connection; throws `Refusal` when the controller says no.
    func enroll(_ name: String, requestedIP: String? = nil, csrName: String? = nil) async throws -> EnrolledNode {
        try await Connect.with(connect) { connection in
            let nonce = try await nonce(on: connection)
            let key = try PrivateKey.generate()
            let request = try request(name: name, requestedIP: requestedIP, nonce: nonce.nonce, key: key, csrName: csrName)
            let reply = try await submit(request, on: connection)
            let response = try reply.expect(EnrollResponse.self)
            return EnrolledNode(name: response.name, overlayIP: response.overlayIP, network: response.network, key: key,
                                certificate: try Certificate(pem: response.certificate),
                                ca: try Certificate(pem: response.caCertificate))
        }
    }

    /// One attempt with a request the test built; the refusal, or a test failure if it was accepted.
    func refusal(_ build: (String, PrivateKey) throws -> EnrollRequest) async throws -> (Refusal, Reply) {
        try await Connect.with(connect) { connection in
            let nonce = try await nonce(on: connection)
            let reply = try await submit(try build(nonce.nonce, try PrivateKey.generate()), on: connection)
            return (Refusal(reply), reply)
        }
    }
}

extension ControllerProcess {
    func enrollment(_ token: JoinToken) -> EnrollmentClient { EnrollmentClient(port: port, token: token) }

    /// Enrolls `names` with one fresh token that has exactly enough uses.
    func enroll(_ names: String...) async throws -> [EnrolledNode] {
        let (token, _) = try await control.createToken(uses: max(names.count, 1))
        var nodes: [EnrolledNode] = []
        for name in names { nodes.append(try await enrollment(token).enroll(name)) }
        return nodes
    }
}
