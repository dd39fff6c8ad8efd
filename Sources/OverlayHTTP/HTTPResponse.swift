import NIOCore
import NIOHTTP1
import OverlayProtocol

/// A whole response. Also an `Error`, so a handler can `throw` a 4xx and
/// keep its happy path straight.
public struct HTTPResponse: Sendable, Error {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        var body = OverlayJSON.encode(value, pretty: false)
        body.append(0x0a)
        return HTTPResponse(status: status, headers: ["content-type": "application/json"], body: body)
    }

    public static func error(_ status: HTTPResponseStatus, _ code: String, _ message: String) -> HTTPResponse {
        json(APIError(code, message), status: status)
    }

    /// Writes this response on a server channel (head with its length, body,
    /// end), closing the connection after it unless `keepAlive`. On the event loop.
    func write(to context: ChannelHandlerContext, version: HTTPVersion, keepAlive: Bool) {
        var headers = self.headers
        headers.replaceOrAdd(name: "content-length", value: String(body.count))
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }
}
