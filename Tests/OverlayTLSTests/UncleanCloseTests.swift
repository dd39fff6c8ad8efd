import NIOCore
import NIOPosix
import OverlayTLS
import Testing

/// What the clean-close checks elsewhere are measured against: a connection
/// that ends without close_notify is reported as possibly truncated, and a
/// peer that never speaks TLS is dropped once the handshake timeout passes.
@Suite("Unclean endings", .timeLimit(.minutes(5)))
struct UncleanCloseTests {
    let pki = TestPKI.shared

    @Test("a TCP close without close_notify after data: the receiver gets the data, then uncleanShutdown")
    func truncationIsReported() async throws {
        try await withServer(context: pki.serverContext(pki.bob)) { server in
            let client = try await TestClient.connect(port: server.port, context: pki.clientContext(pki.alice))
            let connection = try await server.connections.first()
            _ = try await client.handshake.get(within: Bound.handshake, "client handshake")
            try await client.send("partial").get(within: Bound.wait, "write")
            try await connection.collector.waitFor(bytes: 7, on: connection.channel.eventLoop).get(within: Bound.wait, "data")
            // Half-close below TLS: a FIN with no close_notify before it.
            try await client.channel.close(mode: .output).get(within: Bound.wait, "half-close")
            try await connection.channel.closeFuture.get(within: Bound.wait, "server side close")
            #expect(connection.collector.snapshot.text == "partial")
            #expect(connection.collector.snapshot.tlsErrors == [.uncleanShutdown])
            try? await client.channel.close().get(within: Bound.wait, "client close")
        }
    }

    @Test("a peer that connects and never sends a ClientHello fails with handshakeTimeout")
    func silentPeerTimesOut() async throws {
        try await withServer(context: pki.serverContext(pki.bob), handshakeTimeout: .milliseconds(300)) { server in
            let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: server.port).get()
            let connection = try await server.connections.first()
            let result = await connection.handshake.result(within: Bound.wait, "server handshake")
            guard case .failure(let error) = result else {
                Issue.record("handshake with a silent peer succeeded")
                return
            }
            #expect(error as? TLSError == .handshakeTimeout)
            try await connection.channel.closeFuture.get(within: Bound.wait, "server side close")
            try await silent.closeFuture.get(within: Bound.wait, "silent peer dropped")
        }
    }
}
