import Foundation
import NIOCore
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// One mutual-TLS connection to a peer for PINGs. The peer must present a
/// certificate from the network CA carrying exactly the name, overlay IP and
/// fingerprint the roster lists for that endpoint.
struct PeerConnection: Sendable {
    let channel: any Channel
    let peer: PeerIdentity
    /// When the TLS session (and so its data keys) was made: the pool re-dials before the keys age out.
    var openedAt = NIODeadline.now()

    /// Connects and completes the mutual-TLS handshake by `deadline`.
    static func connect(to entry: RosterEntry, context: TLSContext, group: any EventLoopGroup,
                        deadline: NIODeadline, dataKeys: DataKeysSink? = nil) async throws(PingError) -> PeerConnection {
        let budget = Double((deadline - .now()).nanoseconds) / 1e9
        let endpoint: HostPort
        do { endpoint = try HostPort(parsing: entry.endpoint) } catch { throw .invalidEndpoint(entry.endpoint) }
        let policy = PeerPolicy.expectNode(name: entry.name, overlayIP: entry.overlayIP, fingerprint: entry.fingerprint)
        let loop = group.next()
        let handshake = loop.makePromise(of: PeerIdentity?.self)
        do {
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(max(.milliseconds(1), deadline - .now()))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(TLSHandler(context: context, policy: policy, handshakePromise: handshake,
                                                 handshakeDeadline: deadline))
                        try sync.addHandler(ByteToMessageHandler(PeerFrameDecoder()))
                        try sync.addHandler(MessageToByteHandler(PeerFrameEncoder()))
                        if let dataKeys { try sync.addHandler(DataKeyExporter(dataKeys)) }
                        try sync.addHandler(PingClientHandler())
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
            guard let identity = try await handshake.futureResult.get() else { throw PingError.certificateRejected("peer sent no certificate") }
            return PeerConnection(channel: channel, peer: identity)
        } catch {
            handshake.fail(error)
            throw PingError.classify(error, budget: budget)
        }
    }

    func ping(seq: UInt64, timeout: TimeAmount) async throws(PingError) -> PongReceipt {
        let promise = channel.eventLoop.makePromise(of: PongReceipt.self)
        // On a channel that already closed (the peer refused us right after the
        // handshake) the handler that would answer `promise` is gone: fail it here.
        channel.writeAndFlush(PingClientHandler.Outgoing(seq: seq, timeout: timeout, promise: promise))
            .whenFailure { promise.fail(PingError.classify($0, budget: 0)) }
        do { return try await promise.futureResult.get() } catch { throw PingError.classify(error, budget: Double(timeout.nanoseconds) / 1e9) }
    }

    func close() async {
        try? await channel.close().get()
    }
}
