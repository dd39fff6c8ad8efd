import NIOCore
import OverlayTLS

/// Sends `total` bytes once the TLS handshake completes, as fast as the
/// channel stays writable (the TLS handler encrypts synchronously, so the
/// socket's watermarks pace it), then succeeds `done`.
final class BulkSender: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let chunk: ByteBuffer
    private var remaining: Int
    private let done: EventLoopPromise<Void>
    private var started = false

    init(total: Int, chunk: ByteBuffer, done: EventLoopPromise<Void>) {
        self.remaining = total
        self.chunk = chunk
        self.done = done
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSUserEvent {
            started = true
            pump(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if started { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        while remaining > 0 && context.channel.isWritable {
            let length = min(chunk.readableBytes, remaining)
            remaining -= length
            let slice = chunk.getSlice(at: chunk.readerIndex, length: length)!
            context.write(wrapOutboundOut(slice), promise: remaining == 0 ? done : nil)
        }
        context.flush()
    }
}

/// Counts plaintext bytes and succeeds `done` with the instant the last one arrived.
final class CountingSink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let expected: Int
    private var received = 0
    private let done: EventLoopPromise<ContinuousClock.Instant>

    init(expected: Int, done: EventLoopPromise<ContinuousClock.Instant>) {
        self.expected = expected
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        if received >= expected { done.succeed(.now) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(BenchError("connection closed after \(received) of \(expected) bytes"))
        context.fireChannelInactive()
    }
}
