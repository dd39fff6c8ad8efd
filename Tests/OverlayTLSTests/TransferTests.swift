import NIOCore
import OverlayTLS
import Testing

/// Bulk data through the handler arrives intact, and the sender's close is a
/// clean TLS close: close_notify in both directions.
@Suite("Transfer and clean close", .timeLimit(.minutes(5)))
struct TransferTests {
    let pki = TestPKI.shared

    enum Direction: String, CaseIterable, Sendable { case clientToServer, serverToClient }

    static let size = 64 << 20

    @Test("64 MiB arrives intact, then close_notify both ways", arguments: Direction.allCases)
    func sixtyFourMiB(_ direction: Direction) async throws {
        let payload = TestData.pseudoRandom(count: Self.size, seed: direction == .clientToServer ? 0xA11CE : 0xB0B)
        let expectedDigest = Digest.sha256(payload)
        let serverReceives = direction == .clientToServer
        try await withServer(context: pki.serverContext(pki.bob), expectedBytes: serverReceives ? Self.size : 0) { server in
            let client = try await TestClient.connect(port: server.port, context: pki.clientContext(pki.alice),
                                                      serverName: "bob", policy: .expectName("bob"),
                                                      expectedBytes: serverReceives ? 0 : Self.size)
            let connection = try await server.connections.first()
            _ = try await client.handshake.get(within: Bound.handshake, "client handshake")
            _ = try await connection.handshake.get(within: Bound.handshake, "server handshake")

            let (sender, senderProbe, senderCollector) = serverReceives
                ? (client.channel, client.probe, client.collector) : (connection.channel, connection.probe, connection.collector)
            let (receiver, receiverProbe, receiverCollector) = serverReceives
                ? (connection.channel, connection.probe, connection.collector) : (client.channel, client.probe, client.collector)

            try await sender.writeAndFlush(sender.allocator.buffer(bytes: payload)).get(within: Bound.wait, "64 MiB write")
            // Completes once the peer's close_notify came back (or the 30 s close timeout, which the probe would show).
            try await sender.close().get(within: Bound.wait, "sender close")
            try await receiver.closeFuture.get(within: Bound.wait, "receiver close")

            let received = receiverCollector.snapshot
            #expect(received.bytes.count == Self.size)
            #expect(Digest.sha256(received.bytes) == expectedDigest, "SHA-256 of the received bytes")
            // A clean close: no uncleanShutdown (or any other error) on either side.
            #expect(received.tlsErrors.isEmpty && received.otherErrors.isEmpty, "receiver saw \(received.tlsErrors) \(received.otherErrors)")
            #expect(senderCollector.snapshot.tlsErrors.isEmpty, "sender saw \(senderCollector.snapshot.tlsErrors)")

            // close_notify on the wire, both ways: the sender's last record was its close_notify, one
            // close_notify-sized record came back before its TLS handler closed the socket, and the
            // receiver's TLS handler answered with its own and closed the socket itself.
            let closeNotify = WireProbe.closeNotifyRecordSize
            #expect(senderProbe.lastWriteBeforeClose == closeNotify)
            #expect(senderProbe.sawClose)
            #expect(senderProbe.bytesReadAfterLastWrite == closeNotify, "sender probe: \(senderProbe.recorded.suffix(6))")
            #expect(receiverProbe.lastWriteBeforeClose == closeNotify)
            #expect(receiverProbe.sawClose, "the receiver's TLS handler closes on close_notify")
        }
    }
}
