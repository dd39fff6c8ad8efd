import Foundation
import OverlayCore
import OverlayProtocol
import OverlayTLS
import Testing

/// `POST /v1/renew` against a real controller: a new key for the same name and
/// overlay IP, the old certificate refused from then on, a lost answer asked for
/// again, and every way to misuse it refused.
@Suite("Certificate renewal", .timeLimit(.minutes(5)))
struct RenewalTests {
    static func renew(_ client: NodeClient, key: PrivateKey, name: String) async throws -> Reply {
        let csr = try CertificateSigningRequest(commonName: name, key: key)
        return try await client.call(.POST, "/v1/renew", json: RenewRequest(csr: csr.pem))
    }

    @Test("a renewal signs a new key with the same name and IP for the configured lifetime; the old certificate is refused at once")
    func renewalRotatesTheKey() async throws {
        try await withController(.init(extraArguments: ["--cert-lifetime", "2h"])) { controller in
            let alice = try await controller.enroll("alice")[0]
            #expect(abs(alice.certificate.notAfter.timeIntervalSinceNow - 7200) < 120, "enrollment uses --cert-lifetime too")
            let old = try controller.client(alice)
            let newKey = try PrivateKey.generate()
            let reply = try await Self.renew(old, key: newKey, name: "alice").expect(RenewResponse.self)
            let renewed = try Certificate(pem: reply.certificate)
            #expect(newKey.matches(renewed) && !alice.key.matches(renewed))
            #expect(renewed.commonName == "alice" && renewed.ipAddresses == [alice.overlayIP])
            #expect(renewed.notAfter == reply.notAfter && abs(reply.notAfter.timeIntervalSinceNow - 7200) < 120)
            try CertificateVerifier.verify(renewed, chainsTo: alice.ca)

            // The controller's roster and listing carry the new fingerprint and the replaced one.
            let listing = try await controller.control.roster()
            #expect(listing.nodes.first { $0.name == "alice" }?.fingerprint == renewed.fingerprint)
            let fresh = try NodeClient(port: controller.port, certificate: renewed, key: newKey, trusting: alice.ca)
            let roster = try await fresh.roster()
            let entry = try #require(roster.nodes?.first { $0.name == "alice" })
            #expect(entry.fingerprint == renewed.fingerprint && entry.previousFingerprint == alice.certificate.fingerprint)

            // The old certificate no longer polls, and cannot renew again with another key.
            let refused = try await old.call(.POST, "/v1/roster", json: RosterRequest(knownVersion: nil, advertise: nil, listenPort: 7000))
            #expect(refused.status == 403 && refused.apiError?.error == "unknown_certificate", "\(refused)")
            let again = try await Self.renew(old, key: try PrivateKey.generate(), name: "alice")
            #expect(again.status == 403 && again.apiError?.error == "certificate_superseded", "\(again)")
        }
    }

    @Test("a renewal whose answer was lost is asked for again with the old certificate and the same new key: the same certificate comes back")
    func lostAnswerIsRepeated() async throws {
        try await withController { controller in
            let alice = try await controller.enroll("alice")[0]
            let old = try controller.client(alice)
            let newKey = try PrivateKey.generate()
            let first = try await Self.renew(old, key: newKey, name: "alice").expect(RenewResponse.self)
            let stored = try await controller.control.storedState()
            let repeated = try await Self.renew(old, key: newKey, name: "alice").expect(RenewResponse.self)
            #expect(repeated.certificate == first.certificate)
            #expect(try await controller.control.storedState() == stored, "a repeat stores nothing")
        }
    }

    @Test("refused: no client certificate, the same key again, another CA's certificate, a removed node, a malformed request")
    func misuseIsRefused() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alice", "bob")
            let alice = nodes[0]
            let aliceClient = try controller.client(alice)

            let anonymous = try NodeClient(port: controller.port, anonymousTrusting: alice.ca)
            let csr = try CertificateSigningRequest(commonName: "alice", key: try PrivateKey.generate())
            let noCert = try await anonymous.call(.POST, "/v1/renew", json: RenewRequest(csr: csr.pem))
            #expect(noCert.status == 401 && noCert.apiError?.error == "client_certificate_required", "\(noCert)")

            let sameKey = try await Self.renew(aliceClient, key: alice.key, name: "alice")
            #expect(sameKey.status == 400 && sameKey.apiError?.error == "key_not_rotated", "\(sameKey)")

            let garbage = try await aliceClient.call(.POST, "/v1/renew", json: RenewRequest(csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"))
            #expect(garbage.status == 400 && garbage.apiError?.error == "invalid_request", "\(garbage)")
            let notJSON = try await aliceClient.call(.POST, "/v1/renew", body: Array("{\"csr\": 42}".utf8))
            #expect(notJSON.status == 400, "\(notJSON)")

            // The CN a request asks for is ignored: the certificate names the node that asked.
            let asBob = try await Self.renew(aliceClient, key: try PrivateKey.generate(), name: "bob").expect(RenewResponse.self)
            #expect(try Certificate(pem: asBob.certificate).commonName == "alice")

            let otherCA = try CertificateAuthority.create(commonName: "elsewhere")
            let strangerKey = try PrivateKey.generate()
            let stranger = try otherCA.sign(request: try CertificateSigningRequest(commonName: "bob", key: strangerKey), name: "bob",
                                            ipAddresses: [nodes[1].overlayIP], validity: 3600)
            let foreign = try NodeClient(port: controller.port, certificate: stranger, key: strangerKey, trusting: alice.ca)
            let foreignAttempt = await foreign.attempt(.POST, "/v1/renew", body: OverlayJSON.encode(RenewRequest(csr: csr.pem)))
            if case .success(let reply) = foreignAttempt.outcome { Issue.record("a certificate from another CA renewed: \(reply)") }

            let bobClient = try controller.client(nodes[1])
            _ = try await controller.control.removeNode("bob")
            let removed = try await Self.renew(bobClient, key: try PrivateKey.generate(), name: "bob")
            #expect(removed.status == 403, "\(removed)")
            #expect(try await controller.control.roster().nodes.map(\.name) == ["alice"])
        }
    }
}
