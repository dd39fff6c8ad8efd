import Logging
import NIOCore
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Where peers reach this node: per-source limits first (handshakes per
/// second, open connections), then mutual TLS (certificates from the network
/// CA only), then the frame codec, then the responder that checks the roster.
struct PeerListener: Sendable {
    let channel: any Channel
    private let connections: ConnectionRegistry
    let accepted: EventCounter

    /// Peers hold one connection each; beyond this, new ones are closed at once.
    static let maxConnections = 8192

    /// Listens on `host:port`, or on `socket` when systemd passed one (socket activation).
    static func bind(host: String, port: Int, adopting socket: CInt? = nil, context: TLSContextBox, roster: RosterCache,
                     dataKeys: DataKeysBox = DataKeysBox(), refresher: RosterRefresher? = nil, limits: PeerListenerLimits = PeerListenerLimits(),
                     group: any EventLoopGroup, logger: Logger) async throws -> PeerListener {
        PeerListenerMetrics.prime()
        let connections = ConnectionRegistry(limit: maxConnections, perSourceLimit: limits.connectionsPerSource,
                                             perSourceSetting: "max-peer-connections-per-source") {
            PeerListenerMetrics.count(.init($0))
        }
        let admission = PeerAdmission(rate: limits.handshakeRate, logger: logger)
        let accepted = EventCounter()
        // Shared by every connection: a flood of refused peers writes a few lines, not one each.
        let refusals = RefusalLog(logger: logger)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                accepted.increment()
                guard admission.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
                }
                return connections.admit(channel, logger: logger).flatMapThrowing {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(TLSHandler(context: context.current))
                    try sync.addHandler(ByteToMessageHandler(PeerFrameDecoder()))
                    try sync.addHandler(MessageToByteHandler(PeerFrameEncoder()))
                    // A connection with no PING for this long is closed; dialers ping far more often.
                    try sync.addHandler(IdleStateHandler(readTimeout: .minutes(5)))
                    try sync.addHandler(PeerResponder(roster: roster, refresher: refresher, logger: logger, refusals: refusals))
                    if let sink = dataKeys.sink { try sync.addHandler(DataKeyExporter(sink)) }
                }
            }
        let channel = try await (socket.map { bootstrap.withBoundSocket($0) } ?? bootstrap.bind(host: host, port: port)).get()
        return PeerListener(channel: channel, connections: connections, accepted: accepted)
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    func close() async {
        try? await channel.close().get()
        for c in connections.channels { try? await c.close().get() }
    }
}
