import NIOCore
import NIOPosix
import OverlayTLS

/// One accepted connection as the listener saw it.
struct ServerConnection: Sendable {
    let channel: any Channel
    let handshake: EventLoopFuture<PeerIdentity?>
    let collector: Collector
    let probe: WireProbe
}

/// A real listener on 127.0.0.1, port chosen by the kernel, with the TLS
/// handler first in every child pipeline (after a passive wire probe) and a
/// `Collector` (optionally echoing) above it. Each accepted connection is
/// handed to the test through `connections`.
final class TestServer: Sendable {
    let channel: any Channel
    let connections: AsyncStream<ServerConnection>
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel, connections: AsyncStream<ServerConnection>) {
        self.channel = channel
        self.connections = connections
    }

    static func start(context: TLSContext, policy: PeerPolicy = .anyCertifiedPeer, echo: Bool = false,
                      expectedBytes: Int = 0, handshakeTimeout: TimeAmount = Bound.handshake,
                      closeTimeout: TimeAmount = .seconds(30)) async throws -> TestServer {
        let (stream, continuation) = AsyncStream.makeStream(of: ServerConnection.self)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                let promise = child.eventLoop.makePromise(of: PeerIdentity?.self)
                let collector = Collector(echo: echo, expectedBytes: expectedBytes)
                let probe = WireProbe()
                do {
                    let tls = try TLSHandler(context: context, policy: policy, handshakePromise: promise,
                                             handshakeTimeout: handshakeTimeout, closeTimeout: closeTimeout)
                    try child.pipeline.syncOperations.addHandlers([probe, tls, collector])
                } catch {
                    promise.fail(error)
                    return child.eventLoop.makeFailedFuture(error)
                }
                let connection = ServerConnection(channel: child, handshake: promise.futureResult,
                                                  collector: collector, probe: probe)
                continuation.yield(connection)
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return TestServer(channel: channel, connections: stream)
    }

    func close() async {
        try? await channel.close().get()
    }
}

extension AsyncStream where Element: Sendable {
    /// The next element, or a `TimedOut` error instead of hanging.
    func first(within seconds: Int = 120, _ what: String = "a connection") async throws -> Element {
        let stream = self
        return try await withDeadline(seconds, what) {
            var iterator = stream.makeAsyncIterator()
            guard let next = await iterator.next() else { throw TimedOut(what: "\(what) (stream ended)") }
            return next
        }
    }
}

/// Runs `body` against a fresh listener and closes the listener afterwards.
func withServer<T>(context: TLSContext, policy: PeerPolicy = .anyCertifiedPeer, echo: Bool = false,
                   expectedBytes: Int = 0, handshakeTimeout: TimeAmount = Bound.handshake,
                   _ body: (TestServer) async throws -> T) async throws -> T {
    let server = try await TestServer.start(context: context, policy: policy, echo: echo, expectedBytes: expectedBytes,
                                            handshakeTimeout: handshakeTimeout)
    do {
        let result = try await body(server)
        await server.close()
        return result
    } catch {
        await server.close()
        throw error
    }
}

/// A TCP port that was free a moment ago, for tools that must be told a port.
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close().get()
    return port
}
