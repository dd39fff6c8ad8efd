import NIOCore
import OverlayTLS
import Testing

/// A CA key rollover as the TLS layer sees it: the new CA carries the old one's
/// name, its key is cross-signed by the old CA, and a leaf of the new CA is
/// accepted by peers that trust the old CA only, the new only, or both.
@Suite("CA rollover in TLS", .timeLimit(.minutes(5)))
struct CARolloverTLSTests {
    let old: CertificateAuthority
    let new: CertificateAuthority
    let cross: Certificate
    let bob: Identity
    let aliceOld: Identity

    init() throws {
        old = try CertificateAuthority.create(commonName: "overlayd rollover test CA")
        new = try CertificateAuthority.create(commonName: "overlayd rollover test CA")
        cross = try old.crossSign(new)
        bob = try TestPKI.issue("bob", ip: TestPKI.bobIP, by: new)
        aliceOld = try TestPKI.issue("alice", ip: TestPKI.aliceIP, by: old)
    }

    @Test("the cross-certificate is the new CA's key under the old CA's signature; a leaf of the new CA chains to the old CA only through it")
    func crossCertificate() throws {
        #expect(cross.isCA && cross.commonName == new.certificate.commonName && cross.publicKeyDER == new.certificate.publicKeyDER)
        #expect(cross.fingerprint != new.certificate.fingerprint)
        #expect(throws: PKIError.self) { try CertificateVerifier.verify(bob.certificate, chainsTo: old.certificate) }
        try CertificateVerifier.verify(bob.certificate, chainsTo: old.certificate, intermediates: [cross])
        try CertificateVerifier.verify(bob.certificate, chainsTo: new.certificate)
        // The old CA's own leaves are untouched, and the new CA does not vouch for them.
        try CertificateVerifier.verify(aliceOld.certificate, chainsTo: old.certificate)
        #expect(throws: PKIError.self) { try CertificateVerifier.verify(aliceOld.certificate, chainsTo: new.certificate, intermediates: [cross]) }
    }

    @Test("a successor with another name is refused: the cross-certificate would count against pathlen:0")
    func successorKeepsTheName() throws {
        let other = try CertificateAuthority.create(commonName: "some other name")
        #expect(throws: PKIError.self) { try old.crossSign(other) }
    }

    @Test("mutual TLS between a new-CA leaf (sent with the cross-certificate) and peers trusting the old CA, the new, or both", arguments: [
        "old", "new", "both",
    ])
    func handshakeAcrossTheMove(_ peerTrust: String) async throws {
        let trust: [Certificate] = switch peerTrust {
        case "old": [old.certificate]
        case "new": [new.certificate]
        default: [new.certificate, old.certificate]
        }
        // The server is the moved node: leaf, cross-certificate, then the CAs, as the daemons send them.
        let server = try TLSContext(role: .server, configuration: .mutual(
            certificate: bob.certificate, intermediates: [cross], key: bob.key, trust: [new.certificate, old.certificate]))
        // The client is one that has not moved yet: its leaf is the old CA's.
        let client = try TLSContext(role: .client, configuration: .mutual(
            certificate: aliceOld.certificate, intermediates: [], key: aliceOld.key, trust: trust))
        try await withServer(context: server, echo: true) { listener in
            let connection = try await TestClient.connect(port: listener.port, context: client, serverName: "bob", policy: .expectName("bob"))
            // Trusting the old CA only, the client reaches it through the cross-certificate; else directly.
            let seen = try await connection.handshake.get(within: Bound.handshake, "client handshake")
            #expect(seen?.name == "bob" && seen?.fingerprint == bob.certificate.fingerprint)
            let accepted = try await listener.connections.first()
            let alice = try await accepted.handshake.get(within: Bound.handshake, "server handshake")
            #expect(alice?.name == "alice")
            try await connection.channel.close().get(within: Bound.wait, "client close")
        }
    }
}
