import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// The answering side of flow 3: PONG for every PING from a peer that is on
/// this node's active roster with the certificate the roster lists; an ERROR
/// frame in words, then close, for anyone else. A peer the roster does not
/// list yet, or lists with another certificate (it joined, or renewed, since
/// this node's last poll), waits for one out-of-turn roster fetch before it is
/// judged: a node that just joined PINGs its peers at once, before they polled.
final class PeerResponder: ChannelInboundHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

    private let roster: RosterCache
    private let refresher: RosterRefresher?
    private let logger: Logger
    private let refusals: RefusalLog
    private var peer: PeerIdentity?
    /// Frames that arrived while the roster was being fetched; nil when not waiting.
    private var held: [PeerFrame]?
    static let maxHeldFrames = 16

    init(roster: RosterCache, refresher: RosterRefresher? = nil, logger: Logger, refusals: RefusalLog? = nil) {
        self.roster = roster
        self.refresher = refresher
        self.logger = logger
        self.refusals = refusals ?? RefusalLog(logger: logger)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer, _, _)? = event as? TLSUserEvent {
            self.peer = peer
            // Only active roster members may hold a connection: refuse others at once.
            if let peer, let reason = roster.admits(peer) {
                if let refresher {
                    held = []
                    let fetched = context.eventLoop.makePromise(of: Void.self)
                    fetched.completeWithTask { await refresher.refresh() }
                    fetched.futureResult.assumeIsolated().whenComplete { _ in
                        self.judgeAfterFetch(context: context, event: event)
                    }
                    return
                }
                refuse(context: context, peer: peer, reason: reason)
                return
            }
        } else if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The fetched roster decides: admitted, the handshake goes on up the pipeline
    /// (the data keys) and the held frames are answered; otherwise refused as usual.
    private func judgeAfterFetch(context: ChannelHandlerContext, event: Any) {
        let frames = held ?? []
        held = nil
        guard let peer, context.channel.isActive else { return }
        if let reason = roster.admits(peer) {
            refuse(context: context, peer: peer, reason: reason)
            return
        }
        context.fireUserInboundEventTriggered(event)
        for frame in frames { answer(frame, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if held != nil {
            if held!.count < Self.maxHeldFrames { held!.append(frame) }
            return
        }
        answer(frame, context: context)
    }

    private func answer(_ frame: PeerFrame, context: ChannelHandlerContext) {
        switch frame {
        case .ping(let seq, let sentAt):
            guard let peer else { return }
            if let reason = roster.admits(peer) {
                refuse(context: context, peer: peer, reason: reason)
                return
            }
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            context.writeAndFlush(wrapOutboundOut(.pong(seq: seq, sentAt: sentAt, answeredAt: now)), promise: nil)
            logger.debug("answered PING", metadata: ["event": "ping-answered", "peer": "\(peer.name)", "seq": "\(seq)"])
        case .pong, .error:
            // Only the dialing side expects these; ignore rather than fail the channel.
            break
        }
    }

    /// An ERROR frame in words, then close: the dialer learns why.
    private func refuse(context: ChannelHandlerContext, peer: PeerIdentity, reason: String) {
        PeerListenerMetrics.count(.notOnRoster)
        refusals.refused(context.channel.remoteAddress, reason: "roster", "refused peer", metadata: [
            "event": "peer-refused", "peer": "\(peer.name)", "address": "\(context.channel.remoteAddress?.description ?? "?")",
            "error": "\(reason)"])
        context.writeAndFlush(wrapOutboundOut(.error(reason))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls = error as? TLSError, tls == .uncleanShutdown {
            // A dialer that closed without close_notify after its PONG: harmless.
        } else {
            if error is TLSError { PeerListenerMetrics.count(.handshakeFailed) }
            refusals.refused(context.channel.remoteAddress, reason: "\(error)".prefix(60).description, "peer connection refused", metadata: [
                "event": "peer-refused", "peer": "\(peer?.name ?? "?")", "address": "\(context.channel.remoteAddress?.description ?? "?")",
                "error": "\(error)"])
        }
        context.close(promise: nil)
    }
}
