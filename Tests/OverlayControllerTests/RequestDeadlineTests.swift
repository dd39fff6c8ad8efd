import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import OverlayHTTP
import Testing

/// The slow-loris deadline on the server's real request path (NIO's HTTP
/// decoder and our aggregator), on an embedded event loop whose clock the
/// test moves: bytes trickled in never buy more time, a whole request stops
/// the clock, and a keep-alive connection may idle between requests.
@Suite struct RequestDeadlineTests {
    /// A channel with the deadline below the HTTP decoder and aggregator, as `HTTPServer` builds it (minus TLS).
    final class Harness {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        private(set) var expired = 0
        private(set) var requests: [String] = []

        init(timeout: TimeAmount = .seconds(10)) throws {
            channel = EmbeddedChannel(loop: loop)
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(RequestDeadline(timeout: timeout) { [unowned self] _ in expired += 1 })
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(RequestAggregator(maxBodyBytes: 1024))
            try sync.addHandler(Sink { [unowned self] in requests.append($0.head.uri) })
            try channel.connect(to: SocketAddress(ipAddress: "198.18.0.9", port: 40000)).wait()
        }

        func send(_ text: String) throws { try channel.writeInbound(ByteBuffer(string: text)) }
        func wait(_ seconds: Int64) { loop.advanceTime(by: .seconds(seconds)) }
        var isOpen: Bool { channel.isActive }
    }

    /// Takes whole requests and answers nothing (the dispatcher's place).
    final class Sink: ChannelInboundHandler {
        typealias InboundIn = RequestAggregator.AggregatedRequest
        let received: (RequestAggregator.AggregatedRequest) -> Void
        init(_ received: @escaping (RequestAggregator.AggregatedRequest) -> Void) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { received(unwrapInboundIn(data)) }
    }

    static let request = "POST /v1/enroll/nonce HTTP/1.1\r\nHost: controller\r\nContent-Length: 2\r\n\r\n{}"

    @Test("headers trickled a byte a second are cut off at the deadline, though no second was silent")
    func trickledHeadersAreClosed() throws {
        let h = try Harness()
        var sent = 0
        for byte in Self.request.utf8 where h.isOpen {
            try h.send(String(decoding: [byte], as: UTF8.self))
            sent += 1
            h.wait(1)
        }
        #expect(!h.isOpen)
        #expect(sent == 10, "ten bytes in ten seconds, of \(Self.request.utf8.count)")
        #expect(h.expired == 1)
        #expect(h.requests.isEmpty)
    }

    @Test("a body trickled after complete headers is cut off too")
    func trickledBodyIsClosed() throws {
        let h = try Harness()
        try h.send("POST /v1/enroll HTTP/1.1\r\nHost: controller\r\nContent-Length: 100\r\n\r\n")
        for _ in 0..<9 { try h.send("x"); h.wait(1) }
        #expect(h.isOpen)
        try h.send("x")
        h.wait(1)
        #expect(!h.isOpen)
        #expect(h.requests.isEmpty)
    }

    @Test("a connection that sends nothing at all is closed at the deadline (on TLS the handshake counts)")
    func silentFromTheStart() throws {
        let h = try Harness()
        h.wait(9)
        #expect(h.isOpen)
        h.wait(1)
        #expect(!h.isOpen)
    }

    @Test("a whole request, even a slow one, stops the clock; the keep-alive wait after it is not timed; the next request gets a fresh deadline")
    func keepAliveIsNotTimed() throws {
        let h = try Harness()
        let parts = Array(Self.request.utf8)
        try h.send(String(decoding: parts[..<20], as: UTF8.self))
        h.wait(8)
        try h.send(String(decoding: parts[20...], as: UTF8.self))
        #expect(h.requests == ["/v1/enroll/nonce"])
        h.wait(3600)
        #expect(h.isOpen, "idle between requests is the idle timeout's business")
        #expect(h.expired == 0)

        try h.send("GET /v1/health HTTP/1.1\r\n")
        h.wait(9)
        #expect(h.isOpen)
        h.wait(1)
        #expect(!h.isOpen, "the second request's headers never completed")
        #expect(h.expired == 1)
    }
}
