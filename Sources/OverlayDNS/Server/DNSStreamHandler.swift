import NIOCore

/// Answers each framed query on a TCP connection in order (pipelined queries
/// included); a query that gets no answer, an idle connection or a bad frame ends it.
final class DNSStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answerer: DNSAnswerer

    init(answerer: DNSAnswerer) {
        self.answerer = answerer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let bytes = answerer.answer(unwrapInboundIn(data), transport: .tcp) else {
            context.close(promise: nil)
            return
        }
        var out = context.channel.allocator.buffer(capacity: bytes.count + 2)
        out.writeInteger(UInt16(bytes.count))
        out.writeBytes(bytes)
        context.write(wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
