import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import OverlayProtocol

/// A keep-alive HTTP/1.1 client connection, one request at a time. It runs
/// over a Unix socket (overlayctl → daemon) or over whatever the caller puts
/// below it (the node adds the TLS handler to reach the controller), so a
/// steady-state request costs no new connection and no handshake.
public final class HTTPClientConnection: Sendable {
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let channel: any Channel
    private let authority: String

    init(channel: any Channel, authority: String) {
        self.channel = channel
        self.authority = authority
    }

    /// Connects to a daemon's control socket.
    public static func connect(unixSocket path: String, group: any EventLoopGroup) async throws -> HTTPClientConnection {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(HTTPClientResponseHandler())
                    }
                }
                .connect(unixDomainSocketPath: path).get()
        } catch {
            throw ControlSocketError.cannotConnect(path: path, reason: "\(error)")
        }
        return HTTPClientConnection(channel: channel, authority: "localhost")
    }

    /// Connects over TCP; `configure` adds handlers below HTTP (TLS) before the HTTP codec.
    public static func connect(host: String, port: Int, group: any EventLoopGroup, connectTimeout: TimeAmount = .seconds(5),
                               configure: @escaping @Sendable (any Channel) throws -> Void) async throws -> HTTPClientConnection {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try configure(channel)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPClientResponseHandler())
                }
            }
            .connect(host: host, port: port).get()
        return HTTPClientConnection(channel: channel, authority: HostPort(host: host, port: port).description)
    }

    public var isActive: Bool { channel.isActive }

    /// Sends one request and waits at most `timeout` for the whole answer; on
    /// timeout the connection is closed, since its state is then unknown.
    public func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil,
                        timeout: TimeAmount = .seconds(30)) async throws -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "host", value: authority)
        head.headers.add(name: "user-agent", value: "overlayd/1")
        if let body {
            head.headers.add(name: "content-type", value: "application/json")
            head.headers.add(name: "content-length", value: String(body.count))
        } else if method == .POST || method == .PUT {
            head.headers.add(name: "content-length", value: "0")
        }
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let request = HTTPClientResponseHandler.Request(head: head, body: body, promise: promise)
        // A connection that already closed (e.g. its TLS handshake was refused
        // just before this call) has no response handler left to complete
        // `promise`: fail it with the write's error once the channel is closed,
        // which is a no-op when the handler answered or failed it first.
        let written = channel.eventLoop.makePromise(of: Void.self)
        let closed = channel.closeFuture
        written.futureResult.whenFailure { error in closed.whenComplete { _ in promise.fail(error) } }
        channel.writeAndFlush(request, promise: written)
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(HTTPRequestTimeout(method: method.rawValue, path: path, seconds: Double(timeout.nanoseconds) / 1e9))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await promise.futureResult.get()
    }

    /// Sends a JSON body and decodes a JSON answer; 4xx/5xx become `APIError`.
    public func json<Reply: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none,
                                       as: Reply.Type, timeout: TimeAmount = .seconds(30)) async throws -> Reply {
        let bytes = body.map { OverlayJSON.encode($0) }
        let response = try await request(method, path, body: bytes, timeout: timeout)
        return try OverlayJSONBridge.decodeReply(response, as: Reply.self)
    }

    public func close() async {
        try? await channel.close().get()
    }
}

/// No complete answer in time: the peer is up but not answering.
public struct HTTPRequestTimeout: Error, Sendable, CustomStringConvertible {
    public var method: String
    public var path: String
    public var seconds: Double
    public var description: String { "no answer to \(method) \(path) within \(DurationParser.format(seconds))" }

    public init(method: String, path: String, seconds: Double) {
        self.method = method; self.path = path; self.seconds = seconds
    }
}

public enum ControlSocketError: Error, Sendable, CustomStringConvertible {
    case cannotConnect(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason):
            return "cannot reach the daemon's control socket \(path): \(reason). Is the daemon running? Give another path with --socket"
        }
    }
}
