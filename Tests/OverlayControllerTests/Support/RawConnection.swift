import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OverlayTLS

/// A TLS connection to the controller's API from a chosen local address
/// (127.0.0.2 is another source than 127.0.0.1 to the controller), that
/// sends exactly the bytes a test gives, when it gives them: for clients
/// that misbehave (trickling a request, hoarding connections) and for
/// reading an answer's raw headers (`Retry-After`).
final class RawConnection: Sendable {
    let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects from `source` to 127.0.0.1:`port`, no client certificate, trusting `ca`.
    static func open(port: Int, from source: String, trusting ca: Certificate) async throws -> RawConnection {
        let context = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .networkCA(ca), clientAuthentication: .none))
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: Connect.group)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, serverName: "127.0.0.1",
                                                                              policy: .expectName("overlayd-controller")))
                    try channel.pipeline.syncOperations.addHandler(inbox)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, inbox: inbox)
    }

    var isOpen: Bool { channel.isActive }

    /// Sends `bytes` (held by TLS until its handshake is done); throws once the connection is closed.
    func send(_ bytes: some Sequence<UInt8>) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: Array(bytes))).get()
    }

    /// Sends a whole request and waits for the whole answer; nil when the controller closed the connection instead.
    func exchange(_ request: String) async throws -> RawResponse? {
        do { try await send(Array(request.utf8)) } catch { return nil }
        var answer: RawResponse?
        try await waitUntil("an answer or a close on a raw connection", bound: .seconds(Bound.request)) {
            answer = RawResponse(parsing: inbox.bytes)
            return answer != nil || inbox.closed
        }
        if let answer { inbox.consume(answer.length) }
        return answer
    }

    func waitClosed() async throws {
        try await waitUntil("the controller closes the connection", bound: .seconds(Bound.request)) { inbox.closed }
    }

    var received: [UInt8] { inbox.bytes }

    func close() async { try? await channel.close().get() }

    /// What the connection received, and whether it is closed.
    final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let state = NIOLockedValueBox<(bytes: [UInt8], closed: Bool)>(([], false))

        var bytes: [UInt8] { state.withLockedValue { $0.bytes } }
        var closed: Bool { state.withLockedValue { $0.closed } }
        func consume(_ count: Int) { state.withLockedValue { $0.bytes.removeFirst(count) } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let read = buffer.readBytes(length: buffer.readableBytes) ?? []
            state.withLockedValue { $0.bytes += read }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLockedValue { $0.closed = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// One HTTP/1.1 answer as the bytes came: status, headers (names lowercased), body.
struct RawResponse: Sendable, CustomStringConvertible {
    let status: Int
    let headers: [String: String]
    let body: String
    /// Bytes the answer took on the wire.
    let length: Int

    /// Nil until `bytes` hold a whole answer (headers and `content-length` bytes of body).
    init?(parsing bytes: [UInt8]) {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyStart = end + separator.count
        let bodyLength = Int(headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= bodyStart + bodyLength else { return nil }
        self.status = status
        self.headers = headers
        self.body = String(decoding: bytes[bodyStart..<bodyStart + bodyLength], as: UTF8.self)
        self.length = bodyStart + bodyLength
    }

    var description: String { "HTTP \(status) \(headers) \(body)" }
}
