import NIOCore
import OverlayProtocol
import OverlayTLS

/// The dialing side of flow 3 on one connection: matches each PONG to its
/// PING by sequence number. A PONG for an unknown or already answered
/// sequence is late or duplicated and is ignored, not taken as an answer.
final class PingClientHandler: ChannelDuplexHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundIn = Outgoing
    typealias OutboundOut = PeerFrame

    struct Outgoing {
        var seq: UInt64
        var timeout: TimeAmount
        var promise: EventLoopPromise<PongReceipt>
    }

    /// Outstanding PINGs by sequence: when sent, who waits, and the timer that abandons it.
    private var waiting: [UInt64: (sentAt: UInt64, promise: EventLoopPromise<PongReceipt>, deadline: Scheduled<Void>)] = [:]
    private var failure: (any Error)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let out = unwrapOutboundIn(data)
        if let failure { out.promise.fail(failure); promise?.fail(failure); return }
        let sentAt = NIODeadline.now().uptimeNanoseconds
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let seq = out.seq
        let seconds = Double(out.timeout.nanoseconds) / 1e9
        let deadline = context.eventLoop.scheduleTask(in: out.timeout) {
            bound.value.abandon(seq: seq, with: PingError.timeout(seconds))
        }
        waiting[out.seq] = (sentAt, out.promise, deadline)
        context.write(wrapOutboundOut(.ping(seq: out.seq, sentAt: sentAt)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .pong(let seq, let sentAt, let answeredAt):
            // A late PONG (its PING already timed out) or a duplicate: ignored.
            guard let entry = waiting[seq], entry.sentAt == sentAt else { return }
            waiting.removeValue(forKey: seq)
            entry.deadline.cancel()
            let rtt = NIODeadline.now().uptimeNanoseconds &- sentAt
            entry.promise.succeed(PongReceipt(seq: seq, rttNanoseconds: rtt, answeredAtMillis: answeredAt))
        case .error(let message):
            failAll(PingError.refusedByPeer(message))
        case .ping:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(PingError.classify(error, budget: 0))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(PingError.closedBeforePong)
        context.fireChannelInactive()
    }

    /// Cancels one outstanding PING (its deadline passed); a PONG arriving later counts as late.
    func abandon(seq: UInt64, with error: any Error) {
        waiting.removeValue(forKey: seq)?.promise.fail(error)
    }

    private func failAll(_ error: any Error) {
        if failure == nil { failure = error }
        let pending = waiting
        waiting = [:]
        for (_, entry) in pending {
            entry.deadline.cancel()
            entry.promise.fail(failure ?? error)
        }
    }
}

public struct PongReceipt: Sendable {
    public var seq: UInt64
    public var rttNanoseconds: UInt64
    public var answeredAtMillis: UInt64
    public var rttMilliseconds: Double { Double(rttNanoseconds) / 1e6 }
}
