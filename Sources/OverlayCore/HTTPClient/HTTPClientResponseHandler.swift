import NIOCore
import NIOHTTP1

/// Matches responses to requests on one connection. Errors from below (a TLS
/// refusal, a reset) fail the waiting request with that error, so callers
/// see the real reason rather than "connection closed".
final class HTTPClientResponseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Request
    typealias OutboundOut = HTTPClientRequestPart

    struct Request {
        var head: HTTPRequestHead
        var body: [UInt8]?
        var promise: EventLoopPromise<HTTPClientConnection.Response>
    }

    private var waiting: CircularBuffer<EventLoopPromise<HTTPClientConnection.Response>> = []
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var failure: (any Error)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        waiting.append(request.promise)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let bytes = request.body {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let h = head, !waiting.isEmpty else { return }
            let promise = waiting.removeFirst()
            head = nil
            promise.succeed(.init(status: h.status, headers: h.headers, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = error }
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = failure ?? ChannelError.ioOnClosedChannel
        failure = error
        failAll(error)
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}
