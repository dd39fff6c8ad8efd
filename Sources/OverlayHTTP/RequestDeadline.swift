import NIOCore

/// Closes a connection whose client does not send a whole request in time
/// (slow-loris: headers or body trickled a byte at a time keep the idle
/// timer happy forever). Sits at the head of the pipeline, below TLS, and
/// looks at bytes only: the clock starts when the connection opens (so a
/// trickled TLS handshake counts) and whenever bytes arrive while no request
/// is being read, and stops when the aggregator signals a whole request with
/// `RequestReceived`. A keep-alive connection waiting for its next request
/// is left to the idle timeout.
final class RequestDeadline: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let timeout: TimeAmount
    private let expired: (ChannelHandlerContext) -> Void
    private var timer: Scheduled<Void>?

    /// `expired` runs on the event loop just before the connection is closed.
    init(timeout: TimeAmount, expired: @escaping (ChannelHandlerContext) -> Void) {
        self.timeout = timeout
        self.expired = expired
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        start(context)
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is RequestReceived else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        timer?.cancel()
        timer = nil
        promise?.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    /// Starts the clock unless a request is already being timed.
    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: timeout) { [self] in
            timer = nil
            expired(context)
            context.close(promise: nil)
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }
}

/// Sent outbound by the aggregator when a whole request has been read, so
/// `RequestDeadline` stops its clock.
struct RequestReceived {}
