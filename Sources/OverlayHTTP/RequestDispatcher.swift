import Logging
import NIOCore
import NIOHTTP1
import OverlayTLS
import OverlayProtocol

/// Hands each whole request to the router off the event loop and writes the
/// answer back in order. Learns the verified peer from the TLS handler's
/// event, and logs every 4xx/5xx and every refused handshake with who it was.
final class RequestDispatcher: ChannelInboundHandler {
    typealias InboundIn = RequestAggregator.AggregatedRequest
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let logger: Logger
    private var peer: PeerIdentity?

    init(router: HTTPRouter, logger: Logger) {
        self.router = router
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer, _, _)? = event as? TLSUserEvent {
            self.peer = peer
        } else if let rejected = event as? RejectedRequest {
            logger.warning("request refused", metadata: [
                "event": "request-refused", "method": "\(rejected.head?.method.rawValue ?? "?")", "path": "\(rejected.head?.uri ?? "?")",
                "status": "\(rejected.status.code)", "peer": "\(peer?.name ?? "-")",
                "address": "\(context.channel.remoteAddress?.description ?? "local")", "error": "\(rejected.message)",
            ])
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let aggregated = unwrapInboundIn(data)
        let request = HTTPRequest(head: aggregated.head, body: aggregated.body, peer: peer,
                                  remoteAddress: context.channel.remoteAddress)
        let keepAlive = aggregated.head.isKeepAlive
        let version = aggregated.head.version
        let router = self.router
        let logger = self.logger
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        Task {
            let response = await router.handle(request)
            if response.status.code >= 400 {
                let message = (try? OverlayJSON.decoder().decode(APIError.self, from: .init(response.body)))?.message ?? ""
                logger.warning("request refused", metadata: [
                    "event": "request-refused", "method": "\(request.method.rawValue)", "path": "\(request.path)",
                    "status": "\(response.status.code)", "peer": "\(request.peer?.name ?? "-")",
                    "address": "\(request.remoteAddress?.description ?? "local")", "error": "\(message)",
                ])
            }
            eventLoop.execute {
                let (handler, context) = bound.value
                handler.write(context: context, response: response, version: version, keepAlive: keepAlive)
            }
        }
    }

    private func write(context: ChannelHandlerContext, response: HTTPResponse, version: HTTPVersion, keepAlive: Bool) {
        var headers = response.headers
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls = error as? TLSError {
            if tls != .uncleanShutdown {
                logger.warning("TLS connection refused", metadata: [
                    "peer.address": "\(context.channel.remoteAddress?.description ?? "?")", "reason": "\(tls)",
                ])
            }
        } else {
            logger.debug("connection error", metadata: ["address": "\(context.channel.remoteAddress?.description ?? "?")", "error": "\(error)"])
        }
        context.close(promise: nil)
    }
}
