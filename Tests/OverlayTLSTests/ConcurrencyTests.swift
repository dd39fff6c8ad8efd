import NIOCore
import OverlayTLS
import Testing

/// Many handshakes at once on one listener: every one completes and every
/// connection carries its own bytes.
@Suite("Concurrent connections", .timeLimit(.minutes(5)))
struct ConcurrencyTests {
    let pki = TestPKI.shared
    static let count = 200

    @Test("200 concurrent connections to one listener all complete an echo round trip")
    func twoHundredConnections() async throws {
        let clientContext = try pki.clientContext(pki.alice)
        try await withServer(context: pki.serverContext(pki.bob), echo: true) { server in
            let port = server.port
            let echoed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<Self.count {
                    group.addTask {
                        let client = try await TestClient.connect(port: port, context: clientContext,
                                                                  serverName: "bob", policy: .expectName("bob"))
                        let message = "connection \(index) says hello\n"
                        try await client.send(message).get(within: Bound.wait, "write \(index)")
                        let peer = try await client.handshake.get(within: Bound.handshake, "handshake \(index)")
                        try await client.collector.waitFor(bytes: message.utf8.count, on: client.channel.eventLoop)
                            .get(within: Bound.wait, "echo \(index)")
                        try await client.channel.close().get(within: Bound.wait, "close \(index)")
                        return peer?.name == "bob" && client.collector.snapshot.text == message
                            && client.collector.snapshot.tlsErrors.isEmpty
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(echoed.count == Self.count)
            #expect(echoed.allSatisfy { $0 }, "\(echoed.filter { !$0 }.count) connections echoed wrong bytes")

            var admitted = 0
            for _ in 0..<Self.count {
                let connection = try await server.connections.first()
                let peer = try await connection.handshake.get(within: Bound.handshake, "server handshake")
                if peer?.name == "alice" && peer?.overlayIP == TestPKI.aliceIP { admitted += 1 }
            }
            #expect(admitted == Self.count)
        }
    }
}
