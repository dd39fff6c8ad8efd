import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OverlayCore
import OverlayTLS

/// An HTTP/1.1 server on a TLS listener (the controller's network API), a
/// Unix socket (the control sockets) or plain TCP (metrics, status page). Shutdown stops accepting,
/// lets requests in flight finish, closes idle keep-alive connections and
/// removes the socket file.
public final class HTTPServer: Sendable {
    public static let maxBodyBytes = 64 * 1024
    /// The request line and headers together, and any one header line, may be at most this long
    /// (NIO's default, stated here so the refusal can name it).
    public static let maxHeadBytes = 80 * 1024
    /// A keep-alive connection silent this long is closed (nodes poll every 10 s by default).
    public static let idleTimeout = TimeAmount.minutes(5)
    /// Connections beyond this many are closed at once, so a flood cannot use up
    /// the process's file descriptors (the units set LimitNOFILE=65536).
    public static let maxConnections = 32_768

    private let serverChannel: any Channel
    private let connections: ConnectionRegistry
    private let socketPath: String?
    private let logger: Logger

    private init(serverChannel: any Channel, connections: ConnectionRegistry, socketPath: String?, logger: Logger) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.socketPath = socketPath
        self.logger = logger
    }

    public var port: Int? { serverChannel.localAddress?.port }

    /// Serves `router` over TLS on `host:port` (port 0 picks a free one), or
    /// on `socket`, a listening socket systemd passed (socket activation).
    public static func bind(host: String, port: Int, adopting socket: CInt? = nil, tls: TLSContextBox,
                            policy: PeerPolicy = .anyCertifiedPeer, router: HTTPRouter, group: any EventLoopGroup,
                            logger: Logger, limits: HTTPServerLimits = HTTPServerLimits()) async throws -> HTTPServer {
        let connections = registry(limits)
        let server = bootstrap(group: group, router: router, logger: logger, connections: connections, limits: limits) { channel in
            try channel.pipeline.syncOperations.addHandler(TLSHandler(context: tls.current, policy: policy))
        }
        let channel = try await (socket.map { server.withBoundSocket($0) } ?? server.bind(host: host, port: port)).get()
        return HTTPServer(serverChannel: channel, connections: connections, socketPath: nil, logger: logger)
    }

    /// Serves `router` in plain HTTP on `host:port`: only for what is read-only
    /// and public by design (the `/metrics` scrape listener, the status page).
    public static func bind(plainHost host: String, port: Int, router: HTTPRouter, group: any EventLoopGroup,
                            logger: Logger) async throws -> HTTPServer {
        let limits = HTTPServerLimits()
        let connections = registry(limits)
        let channel = try await bootstrap(group: group, router: router, logger: logger, connections: connections, limits: limits) { _ in }
            .bind(host: host, port: port).get()
        return HTTPServer(serverChannel: channel, connections: connections, socketPath: nil, logger: logger)
    }

    /// Serves `router` on a Unix socket with mode 0660, replacing a stale socket file.
    /// With `socket` (passed by systemd), serves that one instead and leaves its
    /// file alone on shutdown: it belongs to the .socket unit.
    public static func bind(unixSocket path: String, adopting socket: CInt? = nil, router: HTTPRouter,
                            group: any EventLoopGroup, logger: Logger) async throws -> HTTPServer {
        let limits = HTTPServerLimits()
        if let socket {
            let connections = registry(limits)
            let channel = try await bootstrap(group: group, router: router, logger: logger, connections: connections, limits: limits) { _ in }
                .withBoundSocket(socket).get()
            return HTTPServer(serverChannel: channel, connections: connections, socketPath: nil, logger: logger)
        }
        try UnixSocketPath.prepare(path)
        let connections = registry(limits)
        let channel = try await bootstrap(group: group, router: router, logger: logger, connections: connections, limits: limits) { _ in }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
        chmod(path, 0o660)
        return HTTPServer(serverChannel: channel, connections: connections, socketPath: path, logger: logger)
    }

    private static func registry(_ limits: HTTPServerLimits) -> ConnectionRegistry {
        ConnectionRegistry(limit: maxConnections, perSourceLimit: limits.connectionsPerSource,
                           perSourceSetting: limits.connectionsPerSourceSetting) { limits.events(.connectionRefused($0)) }
    }

    private static func bootstrap(group: any EventLoopGroup, router: HTTPRouter, logger: Logger,
                                  connections: ConnectionRegistry, limits: HTTPServerLimits,
                                  below: @escaping @Sendable (any Channel) throws -> Void) -> ServerBootstrap {
        let timeouts = RequestTimeoutLog(timeout: limits.requestReadTimeout, events: limits.events, logger: logger)
        let refusals = RefusalLog(logger: logger)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.admit(channel, logger: logger).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser())
                    try channel.pipeline.syncOperations.addHandler(RequestDeadline(timeout: limits.requestReadTimeout) {
                        timeouts.expired($0.channel.remoteAddress)
                    })
                    try below(channel)
                    try addHTTPHandlers(to: channel.pipeline.syncOperations, router: router, logger: logger, refusals: refusals,
                                        events: limits.events)
                }
            }
    }

    /// HTTP on top of whatever is below (TLS or nothing): NIO's codec, then ours. Every refusal,
    /// the decoder's own included, is answered with a JSON error and logged by the dispatcher.
    /// `refusals` is shared by the server's connections, so a flood of them writes a bounded number of lines.
    static func addHTTPHandlers(to pipeline: ChannelPipeline.SynchronousOperations, router: HTTPRouter, logger: Logger,
                                refusals: RefusalLog? = nil, events: @escaping @Sendable (HTTPServerEvent) -> Void = { _ in }) throws {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maxHeadBytes
        limits.maxHeaderListSize = maxHeadBytes
        try pipeline.configureHTTPServerPipeline(withErrorHandling: false, withEncoderConfiguration: .init(),
                                                 withDecoderLimitConfiguration: limits)
        try pipeline.addHandler(ParserRefusal())
        try pipeline.addHandler(RequestAggregator(maxBodyBytes: maxBodyBytes))
        try pipeline.addHandler(RequestDispatcher(router: router, logger: logger, refusals: refusals ?? RefusalLog(logger: logger),
                                                  events: events))
    }

    /// Graceful stop, bounded by `timeout`.
    public func shutdown(timeout: TimeAmount = .seconds(5)) async {
        try? await serverChannel.close().get()
        for channel in connections.channels {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = NIODeadline.now() + timeout
        while !connections.isEmpty, NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for channel in connections.channels { try? await channel.close().get() }
        if let socketPath { unlink(socketPath) }
    }
}

/// Closes a connection on the idle handler's read timeout, so abandoned
/// keep-alive connections do not pile up.
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // From the tail, so the TLS handler above still sends close_notify.
            context.channel.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
