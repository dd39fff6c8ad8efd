import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import OverlayHTTP
import OverlayProtocol
import Testing

/// What NIO's HTTP decoder refuses before any route runs gets the same answer
/// as every other refusal: 400 with the `{error, message}` JSON naming what was
/// wrong, `connection: close`, one `request-refused` log line of bounded size,
/// then the connection is closed. On the server's real HTTP handlers (as
/// `HTTPServer` adds them, minus TLS), on an embedded channel.
@Suite struct ParserRefusalTests {
    /// Every log entry: message, level and metadata as text.
    struct Recorder: LogHandler {
        let entries: NIOLockedValueBox<[(message: String, level: Logger.Level, metadata: [String: String])]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).mapValues { "\($0)" }
            entries.withLockedValue { $0.append(("\(event.message)", event.level, fields)) }
        }
    }

    final class Harness {
        let channel = EmbeddedChannel()
        let entries = NIOLockedValueBox<[(message: String, level: Logger.Level, metadata: [String: String])]>([])

        init() throws {
            var router = HTTPRouter()
            router.on(.GET, "/v1/health") { _, _ in .json(["status": "ok"]) }
            let entries = self.entries
            let logger = Logger(label: "test") { _ in Recorder(entries: entries) }
            try HTTPServer.addHTTPHandlers(to: channel.pipeline.syncOperations, router: router, logger: logger)
            try channel.connect(to: SocketAddress(ipAddress: "198.18.0.9", port: 40000)).wait()
        }

        /// Sends `bytes`; returns everything the server wrote back.
        func send(_ bytes: [UInt8]) throws -> String {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            var out: [UInt8] = []
            while let part = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(var b) = part { out += b.readBytes(length: b.readableBytes) ?? [] }
            }
            return String(decoding: out, as: UTF8.self)
        }

        var warnings: [(message: String, level: Logger.Level, metadata: [String: String])] {
            entries.withLockedValue { $0.filter { $0.level >= .warning } }
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var request: [UInt8]
        var code: String
        var says: String
        var description: String { name }
    }

    static func head(_ lines: String) -> [UInt8] { Array(lines.utf8) }

    static let cases: [Case] = [
        Case(name: "a negative Content-Length",
             request: head("POST /v1/roster HTTP/1.1\r\nHost: c\r\nContent-Length: -1\r\n\r\n"),
             code: "invalid_content_length", says: "Content-Length"),
        Case(name: "a Content-Length of 2^70",
             request: head("POST /v1/roster HTTP/1.1\r\nHost: c\r\nContent-Length: 1180591620717411303424\r\n\r\n"),
             code: "invalid_content_length", says: "Content-Length"),
        Case(name: "Content-Length, then Transfer-Encoding",
             request: head("POST /v1/roster HTTP/1.1\r\nHost: c\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
             code: "invalid_transfer_encoding", says: "must not come with Content-Length"),
        Case(name: "Transfer-Encoding, then Content-Length",
             request: head("POST /v1/roster HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
             code: "invalid_content_length", says: "must not come with Transfer-Encoding"),
        Case(name: "a 200 KB header line",
             request: head("GET /v1/health HTTP/1.1\r\nHost: c\r\nX-Padding: " + String(repeating: "a", count: 200_000) + "\r\n\r\n"),
             code: "header_too_large", says: "80 KiB"),
        Case(name: "non-ASCII bytes in the path",
             request: head("GET /v1/h") + [0xC3, 0xA9, 0xFF] + head("alth HTTP/1.1\r\nHost: c\r\n\r\n"),
             code: "invalid_request_target", says: "percent-encode"),
    ]

    @Test("the decoder's refusals answer 400 with the JSON error, are logged once in a bounded line, and close", arguments: cases)
    func refusedWithJSON(_ c: Case) throws {
        let h = try Harness()
        let answer = try h.send(c.request)
        let parts = answer.components(separatedBy: "\r\n\r\n")
        let head = parts[0].lowercased()
        #expect(head.hasPrefix("http/1.1 400"), "\(answer.prefix(300))")
        #expect(head.contains("content-type: application/json"), "\(head)")
        #expect(head.contains("connection: close"), "\(head)")
        let body = try #require(parts.count > 1 ? parts[1] : nil, "no body in \(answer.prefix(300))")
        let error = try OverlayJSON.decoder().decode(APIError.self, from: Data(body.utf8))
        #expect(error.error == c.code)
        #expect(error.message.contains(c.says), "\(error.message)")
        #expect(!h.channel.isActive, "the connection is closed after the answer")

        let lines = h.warnings
        #expect(lines.count == 1, "one line: \(lines)")
        let line = try #require(lines.first)
        #expect(line.metadata["event"] == "request-refused")
        #expect(line.metadata["status"] == "400")
        #expect(line.metadata["error"] == error.message, "the line says what the answer says")
        #expect(line.metadata["address"]?.contains("198.18.0.9") == true)
        let size = line.message.utf8.count + line.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        #expect(size < 1024, "the line does not grow with the request: \(size) bytes")
    }
}
