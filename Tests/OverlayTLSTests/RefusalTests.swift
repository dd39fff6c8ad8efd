import Foundation
import NIOCore
import OverlayTLS
import Testing

/// Handshakes that must fail, and what each side is told. In TLS 1.3 the
/// client finishes its half of the handshake before the server has checked
/// the client's certificate, so a client whose certificate is refused learns
/// it from the server's alert right after: the tests collect every TLSError
/// a side saw until its connection closed.
@Suite("Refused handshakes", .timeLimit(.minutes(5)))
struct RefusalTests {
    let pki = TestPKI.shared

    struct Outcome {
        let server: Result<PeerIdentity?, any Error>
        let serverErrors: [TLSError]
        let client: Result<PeerIdentity?, any Error>
        let clientErrors: [TLSError]
        let clientReceived: Int
    }

    /// Dials `serverContext` with `clientContext` and waits until both sides have closed.
    func attempt(server serverContext: TLSContext, client clientContext: TLSContext, serverPolicy: PeerPolicy = .anyCertifiedPeer,
                 clientPolicy: PeerPolicy = .anyCertifiedPeer) async throws -> Outcome {
        try await withServer(context: serverContext, policy: serverPolicy, echo: true) { server in
            let client = try await TestClient.connect(port: server.port, context: clientContext,
                                                      serverName: "bob", policy: clientPolicy)
            _ = client.send("this must never be delivered")
            let clientResult = await client.handshake.result(within: Bound.handshake, "client handshake")
            let connection = try await server.connections.first()
            let serverResult = await connection.handshake.result(within: Bound.handshake, "server handshake")
            try await client.channel.closeFuture.get(within: Bound.wait, "client side to close")
            try await connection.channel.closeFuture.get(within: Bound.wait, "server side to close")
            #expect(connection.collector.snapshot.bytes.isEmpty, "no application byte may reach the server")
            return Outcome(server: serverResult, serverErrors: connection.collector.snapshot.tlsErrors,
                           client: clientResult, clientErrors: client.collector.snapshot.tlsErrors,
                           clientReceived: client.collector.snapshot.bytes.count)
        }
    }

    static func error(_ result: Result<PeerIdentity?, any Error>) -> TLSError? {
        if case .failure(let error) = result { return error as? TLSError }
        return nil
    }

    static func rejectedByPeer(_ errors: [TLSError], saying words: String) -> Bool {
        errors.contains { if case .rejectedByPeer(let reason) = $0 { reason.contains(words) } else { false } }
    }

    @Test("a client certificate from another CA: 'certificate signed by unknown CA'; the client is told")
    func clientFromForeignCA() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(pki.mallory))
        #expect(Self.error(outcome.server) == .peerCertificateRejected("certificate signed by unknown CA"))
        #expect(Self.error(outcome.server)?.description == "certificate signed by unknown CA")
        #expect(Self.rejectedByPeer(outcome.clientErrors, saying: "unknown ca"), "client saw \(outcome.clientErrors)")
    }

    @Test("a server certificate from another CA is refused by the client")
    func serverFromForeignCA() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.mallory), client: pki.clientContext(pki.alice))
        #expect(Self.error(outcome.client) == .peerCertificateRejected("certificate signed by unknown CA"))
        #expect(Self.rejectedByPeer(outcome.serverErrors, saying: "unknown ca")
                    || Self.error(outcome.server).map { if case .rejectedByPeer = $0 { true } else { false } } == true,
                "server saw \(outcome.server) \(outcome.serverErrors)")
    }

    /// The words of a refusal for a certificate's dates: what failed, when it is valid, and the clocks to check.
    static func clockWords(_ error: TLSError?, _ start: String, name: String) -> Bool {
        guard case .peerCertificateRejected(let words) = error else { return false }
        return words.hasPrefix(start) && words.contains("the certificate of \(name)") && words.contains("this host's clock")
            && words.contains("check time synchronisation")
    }

    @Test("an expired client certificate: 'certificate expired', with its date and the clocks to check; the client is told")
    func expiredClient() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(pki.expiredAlice))
        #expect(Self.clockWords(Self.error(outcome.server), "certificate expired: the certificate of alice was valid until", name: "alice"),
                "\(String(describing: Self.error(outcome.server)))")
        #expect(Self.rejectedByPeer(outcome.clientErrors, saying: "expired"), "client saw \(outcome.clientErrors)")
        #expect(outcome.clientErrors.contains { String(describing: $0).contains("time synchronisation") }, "client saw \(outcome.clientErrors)")
    }

    @Test("an expired server certificate: the client refuses with 'certificate expired', its date and the clocks to check")
    func expiredServer() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.expiredBob), client: pki.clientContext(pki.alice))
        #expect(Self.clockWords(Self.error(outcome.client), "certificate expired: the certificate of bob was valid until", name: "bob"),
                "\(String(describing: Self.error(outcome.client)))")
    }

    @Test("a client certificate valid only from tomorrow (its host's clock is ahead): 'not yet valid', by how much, and the clocks to check, on both sides")
    func notYetValidClient() async throws {
        let future = try TestPKI.issue("alice", ip: TestPKI.aliceIP, by: pki.ca, notBefore: Date().addingTimeInterval(86_400))
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(future))
        let error = Self.error(outcome.server)
        #expect(Self.clockWords(error, "certificate not yet valid: the certificate of alice is valid from", name: "alice"),
                "\(String(describing: error))")
        #expect(error?.description.contains("23 h") == true, "how far ahead: \(String(describing: error))")
        #expect(outcome.clientErrors.contains { String(describing: $0).contains("time synchronisation") }, "client saw \(outcome.clientErrors)")
    }

    @Test("a valid certificate under the wrong name: 'peer name bob does not match expected carol'")
    func nameMismatch() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(pki.alice),
                                        clientPolicy: .expectName("carol"))
        #expect(Self.error(outcome.client) == .peerNotAllowed("peer name bob does not match expected carol"))
        #expect(Self.error(outcome.client)?.description == "peer name bob does not match expected carol")
        #expect(outcome.clientReceived == 0)
        // The refusal is a TLS alert, not a silent close: the listener is told.
        #expect(Self.rejectedByPeer(outcome.serverErrors, saying: "handshake failure"),
                "server saw \(outcome.server) \(outcome.serverErrors)")
        #expect(!outcome.serverErrors.contains(.uncleanShutdown))
    }

    @Test("no client certificate where one is required: peerCertificateMissing on the server; the client is told")
    func missingClientCertificate() async throws {
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(nil))
        #expect(Self.error(outcome.server) == .peerCertificateMissing)
        #expect(Self.rejectedByPeer(outcome.clientErrors, saying: "certificate required"), "client saw \(outcome.clientErrors)")
    }

    @Test("a server-side policy (name and revocation) refuses a revoked client")
    func revokedClient() async throws {
        let revoked = pki.alice.certificate.serial
        let policy = PeerPolicy.expectName("alice").and(.notRevoked { [revoked] })
        let outcome = try await attempt(server: pki.serverContext(pki.bob), client: pki.clientContext(pki.alice),
                                        serverPolicy: policy)
        guard case .peerNotAllowed(let reason)? = Self.error(outcome.server) else {
            Issue.record("server outcome: \(outcome.server)")
            return
        }
        #expect(reason.contains("revoked"))
        #expect(outcome.clientReceived == 0)
        #expect(Self.rejectedByPeer(outcome.clientErrors, saying: "handshake failure"), "client saw \(outcome.clientErrors)")
    }
}
