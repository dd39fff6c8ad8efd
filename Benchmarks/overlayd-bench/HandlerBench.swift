import NIOCore
import NIOPosix
import OverlayTLS

/// The handler measured with real sockets on 127.0.0.1, client and server in
/// this process on NIO's default event loop group (one thread per core).
struct HandlerBench: Sendable {
    let identities: BenchIdentities
    var group: MultiThreadedEventLoopGroup { .singleton }

    /// A listener whose children run the TLS handler and then `handlers()`.
    func listen(_ handlers: @escaping @Sendable (any Channel) -> [any ChannelHandler]) async throws -> any Channel {
        let context = identities.serverContext
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let tls = try TLSHandler(context: context, policy: .expectName("alice"))
                    try child.pipeline.syncOperations.addHandlers([tls] + handlers(child))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Dials 127.0.0.1:`port` with the TLS handler first and `handlers()` after it.
    func dial(port: Int, handshake: EventLoopPromise<PeerIdentity?>? = nil,
              _ handlers: @escaping @Sendable () -> [any ChannelHandler] = { [] }) async throws -> any Channel {
        let context = identities.clientContext
        return try await ClientBootstrap(group: handshake?.futureResult.eventLoop ?? group.next())
            .channelOption(.writeBufferWaterMark, value: .init(low: 512 * 1024, high: 1024 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try TLSHandler(context: context, serverName: "bob", policy: .expectName("bob"),
                                             handshakePromise: handshake)
                    try channel.pipeline.syncOperations.addHandlers([tls] + handlers())
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    static func chunk() -> ByteBuffer {
        ByteBuffer(repeating: 0x5A, count: 256 * 1024)
    }

    /// Handler client → handler server: seconds from dialing until the server
    /// has decrypted the last of `bytes` (handshake included).
    func bulkToHandler(bytes: Int) async throws -> Double {
        let loop = group.next()
        let received = loop.makePromise(of: ContinuousClock.Instant.self)
        let server = try await listen { _ in [CountingSink(expected: bytes, done: received)] }
        defer { server.close(promise: nil) }
        let sent = loop.makePromise(of: Void.self)
        let chunk = Self.chunk()
        let start = ContinuousClock.now
        let client = try await dial(port: server.localAddress!.port!) { [BulkSender(total: bytes, chunk: chunk, done: sent)] }
        let end = try await received.futureResult.get()
        try await sent.futureResult.get()
        try await client.close().get()
        return (end - start).seconds
    }

    /// Handler client → `openssl s_server -quiet`: seconds from dialing until
    /// s_server, having read everything and the close_notify, exits.
    func bulkToSServer(bytes: Int) async throws -> Double {
        let port = try await OpenSSLBaselines.freePort()
        let server = try OpenSSLProcess(OpenSSLBaselines.sServerArguments(identities, port: port, quiet: true) + ["-naccept", "1"],
                                        input: .heldOpen)
        defer { server.stop() }
        try await OpenSSLProcess.waitForListener(port: port)
        let sent = group.next().makePromise(of: Void.self)
        let chunk = Self.chunk()
        let start = ContinuousClock.now
        let client = try await dial(port: port) { [BulkSender(total: bytes, chunk: chunk, done: sent)] }
        try await sent.futureResult.get()
        try await client.close().get()
        let (status, end) = try await server.exit()
        guard status == 0 else { throw BenchError("openssl s_server exited with status \(status)") }
        return (end - start).seconds
    }

    /// Full mutual-auth handshakes per second: `concurrency` dialers each
    /// loop {connect, handshake, close} for `seconds`; counted when the
    /// client's handshake (server verified, client certificate sent) completes.
    func handshakeRate(concurrency: Int, seconds: Int) async throws -> Double {
        let server = try await listen { _ in [] }
        defer { server.close(promise: nil) }
        let port = server.localAddress!.port!
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let total = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<concurrency {
                tasks.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        let handshake = group.next().makePromise(of: PeerIdentity?.self)
                        let channel = try await dial(port: port, handshake: handshake)
                        _ = try await handshake.futureResult.get()
                        count += 1
                        channel.close(promise: nil)
                    }
                    return count
                }
            }
            return try await tasks.reduce(0, +)
        }
        let elapsed = (ContinuousClock.now - start).seconds
        return Double(total) / elapsed
    }
}
