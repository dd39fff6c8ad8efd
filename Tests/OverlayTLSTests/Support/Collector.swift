import NIOCore
import OverlayTLS
import Synchronization

/// The application end of a test connection, above the TLS handler: keeps
/// every plaintext byte, the handshake event and every error, optionally
/// echoes, and lets a test wait for a number of bytes. Thread-safe, so tests
/// read it from outside the event loop.
final class Collector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Handshake: Sendable {
        let peer: PeerIdentity?
        let protocolVersion: String
        let cipher: String
    }

    struct Snapshot: Sendable {
        var bytes: [UInt8] = []
        var handshake: Handshake?
        var tlsErrors: [TLSError] = []
        var otherErrors: [String] = []
        var inactive = false
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private struct State {
        var snapshot = Snapshot()
        var waiters: [(count: Int, promise: EventLoopPromise<Void>)] = []
    }

    private let state = Mutex(State())
    private let echo: Bool

    init(echo: Bool = false, expectedBytes: Int = 0) {
        self.echo = echo
        if expectedBytes > 0 { state.withLock { $0.snapshot.bytes.reserveCapacity(expectedBytes) } }
    }

    var snapshot: Snapshot { state.withLock { $0.snapshot } }

    /// Succeeds once `count` bytes have arrived; fails if the channel closes first.
    func waitFor(bytes count: Int, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let outcome: Bool? = state.withLock { state in
            if state.snapshot.bytes.count >= count { return true }
            if state.snapshot.inactive { return false }
            state.waiters.append((count, promise))
            return nil
        }
        switch outcome {
        case true?: promise.succeed(())
        case false?: promise.fail(CollectorError.closedEarly(wanted: count, got: snapshot.bytes.count))
        case nil: break
        }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let ready: [EventLoopPromise<Void>] = state.withLock { state in
            state.snapshot.bytes.append(contentsOf: buffer.readableBytesView)
            let total = state.snapshot.bytes.count
            let done = state.waiters.filter { $0.count <= total }.map(\.promise)
            state.waiters.removeAll { $0.count <= total }
            return done
        }
        ready.forEach { $0.succeed(()) }
        if echo { context.writeAndFlush(data, promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let peer, let version, let cipher) = event {
            state.withLock { $0.snapshot.handshake = Handshake(peer: peer, protocolVersion: version, cipher: cipher) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.withLock { state in
            if let tls = error as? TLSError { state.snapshot.tlsErrors.append(tls) } else { state.snapshot.otherErrors.append("\(error)") }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let (waiters, got): ([EventLoopPromise<Void>], Int) = state.withLock { state in
            state.snapshot.inactive = true
            defer { state.waiters = [] }
            return (state.waiters.map(\.promise), state.snapshot.bytes.count)
        }
        for promise in waiters { promise.fail(CollectorError.closedEarly(wanted: 0, got: got)) }
        context.fireChannelInactive()
    }
}

enum CollectorError: Error, CustomStringConvertible {
    case closedEarly(wanted: Int, got: Int)
    var description: String {
        switch self {
        case .closedEarly(let wanted, let got): return "connection closed after \(got) bytes, before \(wanted) arrived"
        }
    }
}
