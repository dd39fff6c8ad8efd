import NIOCore
import NIOPosix
import OverlayTLS

/// A real dialer to 127.0.0.1 with the TLS handler first in its pipeline
/// (after a passive wire probe) and a `Collector` above it.
struct TestClient: Sendable {
    let channel: any Channel
    let handshake: EventLoopFuture<PeerIdentity?>
    let collector: Collector
    let probe: WireProbe

    static func connect(port: Int, context: TLSContext, serverName: String? = nil,
                        policy: PeerPolicy = .anyCertifiedPeer, expectedBytes: Int = 0,
                        closeTimeout: TimeAmount = .seconds(30)) async throws -> TestClient {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: PeerIdentity?.self)
        let collector = Collector(expectedBytes: expectedBytes)
        let probe = WireProbe()
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                do {
                    let tls = try TLSHandler(context: context, serverName: serverName, policy: policy,
                                             handshakePromise: promise, handshakeTimeout: Bound.handshake,
                                             closeTimeout: closeTimeout)
                    try channel.pipeline.syncOperations.addHandlers([probe, tls, collector])
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    promise.fail(error)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return TestClient(channel: channel, handshake: promise.futureResult, collector: collector, probe: probe)
    }

    func send(_ text: String) -> EventLoopFuture<Void> {
        channel.writeAndFlush(channel.allocator.buffer(string: text))
    }
}
