import Foundation
import Logging
import NIOCore
import OverlayProtocol
import OverlayTLS

/// The answering side of flow 3: PONG for every PING from a peer that is on
/// this node's active roster with the certificate the roster lists; an ERROR
/// frame in words, then close, for anyone else.
final class PeerResponder: ChannelInboundHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

    private let roster: RosterCache
    private let logger: Logger
    private var peer: PeerIdentity?

    init(roster: RosterCache, logger: Logger) {
        self.roster = roster
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer, _, _)? = event as? TLSUserEvent {
            self.peer = peer
            // Only active roster members may hold a connection: refuse others at once.
            if let peer, let reason = roster.admits(peer) {
                refuse(context: context, peer: peer, reason: reason)
                return
            }
        } else if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
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
        logger.warning("refused peer", metadata: ["event": "peer-refused", "peer": "\(peer.name)",
                                                  "address": "\(context.channel.remoteAddress?.description ?? "?")", "error": "\(reason)"])
        context.writeAndFlush(wrapOutboundOut(.error(reason))).whenComplete { [channel = context.channel] _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls = error as? TLSError, tls == .uncleanShutdown {
            // A dialer that closed without close_notify after its PONG: harmless.
        } else {
            logger.warning("peer connection refused", metadata: [
                "event": "peer-refused", "peer": "\(peer?.name ?? "?")", "address": "\(context.channel.remoteAddress?.description ?? "?")",
                "error": "\(error)"])
        }
        context.close(promise: nil)
    }
}
