import Logging
import NIOCore
import NIOHTTP1
import OverlayTLS
import OverlayCore
import OverlayProtocol

/// Hands each whole request to the router off the event loop and writes the
/// answer back in order. Learns the verified peer from the TLS handler's
/// event, and logs every 4xx/5xx (but 429) and every refused handshake with who it was.
final class RequestDispatcher: ChannelInboundHandler {
    typealias InboundIn = RequestAggregator.AggregatedRequest
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let logger: Logger
    private let refusals: RefusalLog
    private let events: @Sendable (HTTPServerEvent) -> Void
    private var peer: PeerIdentity?

    init(router: HTTPRouter, logger: Logger, refusals: RefusalLog, events: @escaping @Sendable (HTTPServerEvent) -> Void) {
        self.router = router
        self.logger = logger
        self.refusals = refusals
        self.events = events
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let peer, _, _)? = event as? TLSUserEvent {
            self.peer = peer
        } else if let rejected = event as? RejectedRequest {
            events(.requestRefused(status: Int(rejected.status.code)))
            logRefused(refusals, method: rejected.head?.method.rawValue ?? "?", path: rejected.head?.uri ?? "?",
                       status: rejected.status, peer: peer, address: context.channel.remoteAddress, error: rejected.message)
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
        let refusals = self.refusals
        let events = self.events
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        Task {
            let response = await router.handle(request)
            // A 429's limiter writes its own lines, a few per address and minute, not one per request.
            if response.status.code >= 400 { events(.requestRefused(status: Int(response.status.code))) }
            if response.status.code >= 400, response.status != .tooManyRequests {
                let message = (try? OverlayJSON.decoder().decode(APIError.self, from: .init(response.body)))?.message ?? ""
                logRefused(refusals, method: request.method.rawValue, path: request.path, status: response.status,
                           peer: request.peer, address: request.remoteAddress, error: message)
            }
            eventLoop.execute {
                response.write(to: bound.value, version: version, keepAlive: keepAlive)
            }
        }
    }


    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls = error as? TLSError {
            if tls != .uncleanShutdown {
                events(.handshakeRefused)
                refusals.refused(context.channel.remoteAddress, reason: "tls \(tls)".prefix(60).description, "TLS connection refused", metadata: [
                    "event": "tls-refused", "address": "\(context.channel.remoteAddress?.description ?? "?")", "error": "\(tls)",
                ])
            }
        } else {
            logger.debug("connection error", metadata: ["address": "\(context.channel.remoteAddress?.description ?? "?")", "error": "\(error)"])
        }
        context.close(promise: nil)
    }
}

let maxLoggedPath = 200

/// One line per refused request, whether the HTTP decoder, the aggregator or a route refused it, at most
/// one per address and refusal every 10 s (the next says how many were held back).
/// The path is cut to `maxLoggedPath` characters: a line must not grow with what a client sends.
private func logRefused(_ refusals: RefusalLog, method: String, path: String, status: HTTPResponseStatus,
                        peer: PeerIdentity?, address: SocketAddress?, error: String) {
    let shown = path.count > maxLoggedPath ? path.prefix(maxLoggedPath) + "… (\(path.utf8.count) bytes)" : path
    refusals.refused(address, reason: "\(status.code) \(error.prefix(100))", "request refused", metadata: [
        "event": "request-refused", "method": "\(method)", "path": "\(shown)", "status": "\(status.code)",
        "peer": "\(peer?.name ?? "-")", "address": "\(address?.description ?? "local")", "error": "\(error)",
    ])
}
