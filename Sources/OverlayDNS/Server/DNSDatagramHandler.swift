import NIOCore

/// One UDP query in, at most one answer out to the address it came from.
/// Drops (responses, runts, oversized datagrams) are counted and never answered.
final class DNSDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let zones: DNSZoneBox
    private let counters: DNSQueryCounters

    init(zones: DNSZoneBox, counters: DNSQueryCounters) {
        self.zones = zones; self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let zone = zones.zone
        let reply = envelope.data.withUnsafeReadableBytes { DNSResponder.respond(to: $0, zone: zone, transport: .udp) }
        counters.count(reply.outcome)
        guard let bytes = reply.bytes else { return }
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
