import NIOCore
import NIOHTTP1

/// Answers a request NIO's HTTP decoder refuses before any handler sees it
/// (a bad `Content-Length`, `Content-Length` with `Transfer-Encoding`, an
/// oversized head, bytes a URL may not hold) the way every other refusal is
/// answered: 400 with the `{error, message}` JSON body naming what was wrong,
/// then the connection is closed (the decoder cannot go on after an error).
/// Tells the dispatcher, which writes the one log line. Replaces NIO's
/// `HTTPServerProtocolErrorHandler`, which answers a bare 400 and logs nothing;
/// it sits where that one would, after NIO's pipelining handler, which holds
/// the error back until an answer in progress is out.
final class ParserRefusal: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The head of the request being read, when the decoder got that far (for the log line).
    private var head: HTTPRequestHead?
    private var answering = false
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end: head = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let h) where (100..<200).contains(h.status.code): break
        case .head: answering = true
        case .body: break
        case .end: answering = false
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !refused else {
            context.fireErrorCaught(error)
            return
        }
        refused = true
        let (code, message) = Self.explain(parserError)
        context.fireUserInboundEventTriggered(RejectedRequest(head: head, status: .badRequest, message: message))
        // An answer already under way cannot be followed by another on the same connection; the close says enough.
        if !answering {
            let response = HTTPResponse.error(.badRequest, code, message)
            var headers = response.headers
            headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
            headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        // The dispatcher closes the connection (after the answer above is flushed).
        context.fireErrorCaught(error)
    }

    /// The API error code and the message for what the decoder refused. Fixed texts:
    /// nothing of the request is echoed, so neither the answer nor the log line grows with it.
    static func explain(_ error: HTTPParserError) -> (code: String, message: String) {
        switch error {
        // llhttp reports Content-Length with Transfer-Encoding as a fault of whichever of the two comes
        // second, and NIO keeps only the error's kind: each message names both possible causes.
        case .invalidContentLength, .unexpectedContentLength:
            return ("invalid_content_length", """
                Content-Length must be a decimal number of bytes from 0 to 18446744073709551615 (this API takes \
                at most \(HTTPServer.maxBodyBytes)), and must not come with Transfer-Encoding (a request with both \
                could be read two ways): send one Content-Length and no Transfer-Encoding
                """)
        case .unknown:
            return ("invalid_transfer_encoding", """
                Transfer-Encoding must be chunked (and last) and must not come with Content-Length (a request \
                with both could be read two ways), or a line of the request does not parse: send one \
                Content-Length and no Transfer-Encoding
                """)
        case .headerOverflow:
            return ("header_too_large",
                    "the request's head (request line and headers) is over \(HTTPServer.maxHeadBytes / 1024) KiB; this API needs a few hundred bytes")
        case .invalidURL, .invalidCharactersUsed:
            return ("invalid_request_target",
                    "the request line holds a character a URL may not (non-ASCII, a control character or a space): percent-encode it")
        case .invalidHeaderToken:
            return ("invalid_header",
                    "a header name or value holds a character HTTP does not allow (a control character, or a space before the colon)")
        case .invalidMethod:
            return ("invalid_method", "the request line does not start with an HTTP method such as GET or POST")
        case .invalidVersion:
            return ("invalid_version", "the request is not HTTP/1.0 or HTTP/1.1")
        case .invalidChunkSize:
            return ("invalid_chunk", "a chunk of the chunked body does not start with its size in hexadecimal")
        case .lfExpected, .invalidConstant, .strictModeAssertion:
            return ("malformed_request_head", "the request's head is not HTTP/1.1: every line must end in CRLF and every header be NAME: VALUE")
        default:
            return ("malformed_request_head", "the request is not valid HTTP/1.1 (\(error.debugDescription))")
        }
    }
}
