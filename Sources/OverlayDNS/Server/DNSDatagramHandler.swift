import NIOCore

/// One UDP query in, at most one answer out to the address it came from.
/// Drops (responses, runts, oversized datagrams) are counted and never answered.
final class DNSDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let answerer: DNSAnswerer

    init(answerer: DNSAnswerer) {
        self.answerer = answerer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let bytes = answerer.answer(envelope.data, transport: .udp) else { return }
        var out = context.channel.allocator.buffer(capacity: bytes.count)
        out.writeBytes(bytes)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: out)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    /// A send refused by the kernel (ICMP port unreachable from a vanished client) must not close the socket.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
