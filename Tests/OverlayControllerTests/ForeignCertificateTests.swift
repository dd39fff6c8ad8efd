import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// A node certificate from another CA, even one copying a registered node's
/// name and IP, is refused in the TLS handshake on every endpoint: not a
/// byte of HTTP is answered, and the real node is untouched.
@Suite("Foreign certificates", .timeLimit(.minutes(5)))
struct ForeignCertificateTests {
    @Test("a certificate from another CA is refused in the handshake", arguments: Endpoint.all)
    func refusedInHandshake(endpoint: Endpoint) async throws {
        try await withController { controller in
            let alice = try await controller.enroll("alice")[0]
            _ = try await controller.client(alice).roster(listenPort: 7001)
            let before = try await controller.control.roster()

            // An impostor: alice's name and overlay IP, signed by a CA of its own.
            let foreignCA = try CertificateAuthority.create(commonName: "overlayd network CA impostor")
            let key = try PrivateKey.generate()
            let csr = try CertificateSigningRequest(commonName: "alice", key: key)
            let forged = try foreignCA.sign(request: csr, name: "alice", ipAddresses: [alice.overlayIP], validity: 86_400)
            let impostor = try NodeClient(port: controller.port, certificate: forged, key: key, trusting: controller.ca)

            let (outcome, tlsErrors) = await endpoint.attempt(impostor)
            if case .success(let reply) = outcome {
                Issue.record("\(endpoint.testDescription) answered an impostor: \(reply)")
            }
            #expect(tlsErrors.contains { if case .rejectedByPeer(let reason) = $0 { reason.contains("unknown ca") } else { false } },
                    "the controller must refuse the certificate in the handshake (alert unknown ca); saw \(tlsErrors), \(outcome)")

            // Nothing changed: alice is still registered with her own certificate, and still active.
            let after = try await controller.control.roster()
            #expect(after.version == before.version)
            #expect(after.nodes == before.nodes)
            #expect(after.nodes.first?.active == true)
            // And the controller keeps serving the real node.
            let roster = try await controller.client(alice).roster(listenPort: 7001)
            #expect(roster.nodes?.map(\.name) == ["alice"])
        }
    }

    @Test("a request on a connection whose handshake was already refused fails at once instead of hanging")
    func requestAfterRefusal() async throws {
        try await withController { controller in
            let foreignCA = try CertificateAuthority.create(commonName: "overlayd network CA impostor")
            let key = try PrivateKey.generate()
            let forged = try foreignCA.sign(request: try CertificateSigningRequest(commonName: "alice", key: key),
                                            name: "alice", ipAddresses: ["10.77.0.1"], validity: 86_400)
            let impostor = try NodeClient(port: controller.port, certificate: forged, key: key, trusting: controller.ca)
            let recorder = TLSErrorRecorder()
            let connection = try await Connect.tls(port: controller.port, context: impostor.context, recorder: recorder)
            // The client's half of the TLS 1.3 handshake completes first; the
            // controller's alert follows and closes the connection.
            try await waitUntil("the controller to refuse the handshake and close") { !connection.isActive }
            #expect(recorder.errors.contains { if case .rejectedByPeer = $0 { true } else { false } }, "\(recorder.errors)")

            let error = await #expect(throws: (any Error).self) { try await connection.send(.GET, "/v1/health") }
            #expect(!(error is TimedOut), "the request must fail, not wait for an answer that cannot come")
            await connection.close()
        }
    }

    @Test("a self-signed certificate is refused in the handshake")
    func selfSigned() async throws {
        try await withController { controller in
            let own = try CertificateAuthority.create(commonName: "alice")
            let key = try PrivateKey.generate()
            let cert = try own.sign(request: try CertificateSigningRequest(commonName: "alice", key: key),
                                    name: "alice", ipAddresses: ["10.77.0.1"], validity: 86_400)
            let stranger = try NodeClient(port: controller.port, certificate: cert, key: key, trusting: controller.ca)
            let (outcome, tlsErrors) = await Endpoint.postRoster.attempt(stranger)
            if case .success(let reply) = outcome { Issue.record("a self-signed certificate was answered: \(reply)") }
            #expect(tlsErrors.contains { if case .rejectedByPeer = $0 { true } else { false } }, "\(tlsErrors)")
            #expect(try await controller.control.roster().nodes.isEmpty)
        }
    }
}
