import NIOCore
import OverlayTLS
import Testing

/// Bootstrap trust: a node that only knows the CA fingerprint from its join
/// token must accept the controller whose chain carries that CA, and refuse
/// any other.
@Suite("Pinned CA fingerprint", .timeLimit(.minutes(5)))
struct PinnedTrustTests {
    let pki = TestPKI.shared

    func pinnedClient(_ fingerprint: String) throws -> TLSContext {
        try pki.clientContext(pki.alice, trust: .pinnedCAFingerprint(fingerprint))
    }

    @Test("the right fingerprint: the handshake completes and the server is identified")
    func rightFingerprint() async throws {
        try await withServer(context: pki.serverContext(pki.bob), echo: true) { server in
            let client = try await TestClient.connect(port: server.port, context: pinnedClient(pki.ca.certificate.fingerprint),
                                                      serverName: "bob", policy: .expectName("bob"))
            let serverSeen = try await client.handshake.get(within: Bound.handshake, "client handshake")
            let connection = try await server.connections.first()
            let clientSeen = try await connection.handshake.get(within: Bound.handshake, "server handshake")
            #expect(serverSeen?.name == "bob")
            #expect(serverSeen?.fingerprint == pki.bob.certificate.fingerprint)
            #expect(clientSeen?.name == "alice")
            try await client.send("ping").get(within: Bound.wait, "write")
            try await client.collector.waitFor(bytes: 4, on: client.channel.eventLoop).get(within: Bound.wait, "echo")
            try await client.channel.close().get(within: Bound.wait, "close")
        }
    }

    @Test("the fingerprint in upper case is the same pin")
    func upperCaseFingerprint() async throws {
        try await withServer(context: pki.serverContext(pki.bob)) { server in
            let client = try await TestClient.connect(port: server.port,
                                                      context: pinnedClient(pki.ca.certificate.fingerprint.uppercased()))
            let serverSeen = try await client.handshake.get(within: Bound.handshake, "client handshake")
            #expect(serverSeen?.name == "bob")
            try await client.channel.close().get(within: Bound.wait, "close")
        }
    }

    @Test("a wrong fingerprint: the client refuses with 'certificate signed by unknown CA'", arguments: [
        "foreign CA", "the server's own leaf", "garbage",
    ])
    func wrongFingerprint(_ which: String) async throws {
        let pin = switch which {
        case "foreign CA": pki.foreignCA.certificate.fingerprint
        case "the server's own leaf": pki.bob.certificate.fingerprint
        default: String(repeating: "ab", count: 32)
        }
        try await withServer(context: pki.serverContext(pki.bob), echo: true) { server in
            let client = try await TestClient.connect(port: server.port, context: pinnedClient(pin))
            let result = await client.handshake.result(within: Bound.handshake, "client handshake")
            try await client.channel.closeFuture.get(within: Bound.wait, "client close")
            guard case .failure(let error) = result, case .peerCertificateRejected(let reason)? = error as? TLSError else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(reason.hasPrefix("certificate signed by unknown CA"))
            #expect(client.collector.snapshot.bytes.isEmpty)
        }
    }

    @Test("a listener cannot be configured with a pinned fingerprint")
    func listenerRefusesPinnedTrust() throws {
        let config = TLSConfiguration(certificateChain: pki.bob.chain, privateKey: pki.bob.key,
                                      trust: .pinnedCAFingerprint(pki.ca.certificate.fingerprint))
        #expect(throws: TLSError.self) { try TLSContext(role: .server, configuration: config) }
    }
}
