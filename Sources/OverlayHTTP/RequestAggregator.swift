import NIOCore
import NIOHTTP1
import OverlayProtocol

/// Collects head and body into one request and caps the body: anything over
/// `maxBodyBytes` gets a 413 JSON error and the connection is closed, so an
/// oversized upload costs at most the cap in memory. Tells `RequestDeadline`
/// when a whole request is in.
final class RequestAggregator: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = AggregatedRequest
    typealias OutboundOut = HTTPServerResponsePart

    struct AggregatedRequest {
        var head: HTTPRequestHead
        var body: [UInt8]
    }

    private let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var discarding = false

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > maxBodyBytes {
                refuse(context: context, size: length)
            }
        case .body(var buffer):
            guard !discarding else { return }
            if body.count + buffer.readableBytes > maxBodyBytes {
                refuse(context: context, size: body.count + buffer.readableBytes)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard !discarding, let h = head else { return }
            head = nil
            context.triggerUserOutboundEvent(RequestReceived(), promise: nil)
            context.fireChannelRead(wrapInboundOut(AggregatedRequest(head: h, body: body)))
            body = []
        }
    }

    private func refuse(context: ChannelHandlerContext, size: Int) {
        guard !discarding else { return }
        discarding = true
        let response = HTTPResponse.error(.payloadTooLarge, "body_too_large",
                                          "request body of \(size) bytes exceeds the \(maxBodyBytes)-byte limit")
        context.fireUserInboundEventTriggered(RejectedRequest(head: head, status: response.status, message: "body too large (\(size) bytes)"))
        response.write(to: context, version: .http1_1, keepAlive: false)
    }
}

/// Told to the dispatcher so a refused request is logged like any other.
struct RejectedRequest {
    var head: HTTPRequestHead?
    var status: HTTPResponseStatus
    var message: String
}
