import NIOCore
import OverlayTLS
import Testing

/// Successful handshakes over real sockets on 127.0.0.1: mutual authentication
/// with the network CA, and what each side learns about the other.
@Suite("Handshakes", .timeLimit(.minutes(5)))
struct HandshakeTests {
    let pki = TestPKI.shared

    @Test("mutual TLS 1.3: each side sees the other's name, overlay IP and fingerprint")
    func mutualAuthentication() async throws {
        try await withServer(context: pki.serverContext(pki.bob), echo: true) { server in
            let client = try await TestClient.connect(port: server.port, context: pki.clientContext(pki.alice),
                                                      serverName: "bob", policy: .expectName("bob"))
            // Written before the handshake finishes: the handler must hold it until the peer is verified.
            let message = "hello bob, alice here"
            let sent = client.send(message)

            let serverSeen = try await client.handshake.get(within: Bound.handshake, "client handshake")
            let connection = try await server.connections.first()
            let clientSeen = try await connection.handshake.get(within: Bound.handshake, "server handshake")

            #expect(serverSeen?.name == "bob")
            #expect(serverSeen?.overlayIP == TestPKI.bobIP)
            #expect(serverSeen?.dnsNames == ["bob"])
            #expect(serverSeen?.fingerprint == pki.bob.certificate.fingerprint)
            #expect(serverSeen?.serial == pki.bob.certificate.serial)
            #expect(clientSeen?.name == "alice")
            #expect(clientSeen?.overlayIP == TestPKI.aliceIP)
            #expect(clientSeen?.fingerprint == pki.alice.certificate.fingerprint)

            try await sent.get(within: Bound.wait, "the first write")
            try await client.collector.waitFor(bytes: message.utf8.count, on: client.channel.eventLoop)
                .get(within: Bound.wait, "the echo")
            #expect(client.collector.snapshot.text == message)
            #expect(connection.collector.snapshot.text == message)

            // The user event carries the same identity and the protocol actually negotiated.
            let clientEvent = try #require(client.collector.snapshot.handshake)
            let serverEvent = try #require(connection.collector.snapshot.handshake)
            #expect(clientEvent.peer == serverSeen)
            #expect(serverEvent.peer == clientSeen)
            #expect(clientEvent.protocolVersion == "TLSv1.3")
            #expect(serverEvent.protocolVersion == "TLSv1.3")
            #expect(clientEvent.cipher == serverEvent.cipher)
            #expect(clientEvent.cipher.hasPrefix("TLS_"))

            try await client.channel.close().get(within: Bound.wait, "client close")
            try await connection.channel.closeFuture.get(within: Bound.wait, "server side close")
            #expect(client.collector.snapshot.tlsErrors.isEmpty)
            #expect(connection.collector.snapshot.tlsErrors.isEmpty)
        }
    }

    @Test("optional client authentication admits a client without a certificate, as an anonymous peer")
    func optionalClientAuthentication() async throws {
        let serverContext = try pki.serverContext(pki.bob, clientAuthentication: .optional)
        try await withServer(context: serverContext, echo: true) { server in
            let client = try await TestClient.connect(port: server.port, context: pki.clientContext(nil),
                                                      serverName: "bob", policy: .expectName("bob"))
            let serverSeen = try await client.handshake.get(within: Bound.handshake, "client handshake")
            let connection = try await server.connections.first()
            let clientSeen = try await connection.handshake.get(within: Bound.handshake, "server handshake")
            #expect(serverSeen?.name == "bob")
            #expect(clientSeen == nil)
            try await client.channel.close().get(within: Bound.wait, "client close")
        }
    }

    @Test("the SAN IPv6 form and extra DNS names reach the PeerIdentity")
    func identityFromSANs() throws {
        let identity = try TestPKI.issue("carol", ip: "fd77::4", by: pki.ca, dnsNames: ["carol.overlay.test"])
        let peer = PeerIdentity(certificate: identity.certificate)
        #expect(peer.name == "carol")
        #expect(peer.overlayIP == "fd77::4")
        #expect(peer.dnsNames == ["carol", "carol.overlay.test"])
        #expect(PeerPolicy.expectNode(name: "carol", overlayIP: "fd77::4", fingerprint: peer.fingerprint).check(peer) == nil)
        #expect(PeerPolicy.expectNode(name: "carol", overlayIP: "fd77::5", fingerprint: nil).check(peer) != nil)
    }
}
