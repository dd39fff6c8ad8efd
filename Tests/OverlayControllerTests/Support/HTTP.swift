import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// One HTTP answer, kept whole so a test can check the status, the content
/// type and the JSON, whichever way it went.
struct Reply: Sendable, CustomStringConvertible {
    let status: Int
    let contentType: String?
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var description: String { "HTTP \(status) \(text)" }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try OverlayJSON.decoder().decode(T.self, from: Data(body))
    }

    /// The `{error, message}` body of a 4xx/5xx, nil when the body is not one.
    var apiError: APIError? { try? decode(APIError.self) }

    /// Decodes a 2xx answer, or throws the refusal.
    func expect<T: Decodable>(_ type: T.Type) throws -> T {
        guard (200..<300).contains(status) else { throw Refusal(self) }
        return try decode(T.self)
    }
}

/// A 4xx/5xx answer: status and the API's error code and message.
struct Refusal: Error, Sendable, CustomStringConvertible {
    let status: Int
    let code: String
    let message: String
    let isJSON: Bool

    init(_ reply: Reply) {
        status = reply.status
        if let error = reply.apiError {
            code = error.error
            message = error.message
            isJSON = reply.contentType?.hasPrefix("application/json") == true
        } else {
            code = "(not an API error body)"
            message = reply.text
            isJSON = false
        }
    }

    var description: String { "HTTP \(status) \(code): \(message)" }
}

extension HTTPClientConnection {
    /// One request and its answer, bounded: if none arrives in time the
    /// connection is closed and the call fails with `TimedOut` instead of
    /// hanging the test.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        let channel = self.channel
        let once = ResumeOnce<Reply>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            let watchdog = channel.eventLoop.scheduleTask(in: .seconds(Bound.request)) {
                channel.close(promise: nil)
                once.resume(.failure(TimedOut(what: "an answer to \(method.rawValue) \(path)")))
            }
            Task {
                do {
                    let response = try await self.request(method, path, body: body)
                    once.resume(.success(Reply(status: Int(response.status.code),
                                               contentType: response.headers.first(name: "content-type"), body: response.body)))
                } catch {
                    once.resume(.failure(error))
                }
                watchdog.cancel()
            }
        }
    }

    func send(_ method: HTTPMethod, _ path: String, json: some Encodable) async throws -> Reply {
        try await send(method, path, body: OverlayJSON.encode(json))
    }
}

/// Resumes a continuation exactly once, whoever comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    func resume(_ result: Result<T, any Error>) {
        let c = lock.withLock { () -> CheckedContinuation<T, any Error>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume(with: result)
    }
}

/// Sits right above the TLS handler and keeps every TLS error the
/// connection saw, so a test can tell a refused handshake from any other
/// reason a request failed.
final class TLSErrorRecorder: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    // Guarded by `lock`.
    private let lock = NSLock()
    private var seen: [TLSError] = []

    var errors: [TLSError] { lock.withLock { seen } }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let tls = error as? TLSError { lock.withLock { seen.append(tls) } }
        context.fireErrorCaught(error)
    }
}

enum Connect {
    static var group: any EventLoopGroup { MultiThreadedEventLoopGroup.singleton }

    static func unix(_ path: String) async throws -> HTTPClientConnection {
        try await HTTPClientConnection.connect(unixSocket: path, group: group)
    }

    /// A TCP connection to the controller's TLS API on 127.0.0.1 with our
    /// TLS handler below HTTP, checking that the server is the controller.
    static func tls(port: Int, context: TLSContext, policy: PeerPolicy = .expectName("overlayd-controller"),
                    recorder: TLSErrorRecorder? = nil) async throws -> HTTPClientConnection {
        try await HTTPClientConnection.connect(host: "127.0.0.1", port: port, group: group) { channel in
            try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, serverName: "127.0.0.1", policy: policy))
            if let recorder { try channel.pipeline.syncOperations.addHandler(recorder) }
        }
    }

    /// Opens a connection, runs `body`, closes the connection.
    static func with<T>(_ open: () async throws -> HTTPClientConnection,
                        _ body: (HTTPClientConnection) async throws -> T) async throws -> T {
        let connection = try await open()
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}
