import NIOCore

/// TLS 1.3 over the system OpenSSL as one SwiftNIO handler: ciphertext below,
/// plaintext above. States: idle → handshaking → active → closing → closed.
/// Application writes made during the handshake are held and sent once the
/// peer has been verified; close sends close_notify and waits (bounded) for
/// the peer's.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State { case idle, handshaking, active, closing, closed }

    private var state: State = .idle
    private let connection: TLSConnection
    private let handshakeTimeout: TimeAmount
    /// When given, the handshake must finish by then (a caller's overall budget), whatever `handshakeTimeout` says.
    private let handshakeDeadline: NIODeadline?
    private let closeTimeout: TimeAmount
    private var handshakePromise: EventLoopPromise<PeerIdentity?>?
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var flushPending = false
    private var closePromise: EventLoopPromise<Void>?
    private var timer: Scheduled<Void>?
    private var receivedCloseNotify = false
    private var scratch: ByteBuffer?

    /// The verified peer, once the handshake completed.
    public private(set) var peerIdentity: PeerIdentity?
    public private(set) var negotiatedProtocol: String?

    /// Largest plaintext slice encrypted at once. The outbound memory BIO keeps
    /// the largest buffer it ever held for the life of the connection, so this
    /// bounds what an idle keep-alive connection retains.
    private static let writeSlice = 32 * 1024
    /// Ciphertext is handed to the channel in buffers of about this size.
    private static let writeBatch = 1024 * 1024

    /// - Parameters:
    ///   - serverName: SNI to send (clients; ignored for IP literals).
    ///   - policy: checks beyond the CA chain (expected name, roster, revocation).
    ///   - handshakePromise: completed with the verified peer, or failed with a `TLSError`.
    public init(context: TLSContext, serverName: String? = nil, policy: PeerPolicy = .anyCertifiedPeer,
                handshakePromise: EventLoopPromise<PeerIdentity?>? = nil,
                handshakeTimeout: TimeAmount = .seconds(10), handshakeDeadline: NIODeadline? = nil,
                closeTimeout: TimeAmount = .seconds(3)) throws {
        self.connection = try TLSConnection(context: context, serverName: serverName, policy: policy)
        self.handshakePromise = handshakePromise
        self.handshakeTimeout = handshakeTimeout
        self.handshakeDeadline = handshakeDeadline
        self.closeTimeout = closeTimeout
    }

    /// Keying material exported from this connection's TLS 1.3 session (the
    /// data plane's keys). Nil until the handshake has completed. Event loop only.
    public func exportKeyingMaterial(label: String, context: [UInt8], length: Int) -> [UInt8]? {
        guard state == .active || state == .closing else { return nil }
        return connection.exportKeyingMaterial(label: label, context: context, length: length)
    }

    /// Whether this end dialed (TLS client) or answered.
    public var isClient: Bool { connection.context.role == .client }

    // MARK: lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        scratch = context.channel.allocator.buffer(capacity: 16 * 1024)
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        closePromise?.succeed(())
        closePromise = nil
        failPending(TLSError.handshakeFailed("TLS handler removed"))
    }

    public func channelActive(context: ChannelHandlerContext) {
        startHandshake(context: context)
        context.fireChannelActive()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        let previous = state
        state = .closed
        switch previous {
        case .idle, .handshaking:
            failPending(TLSError.handshakeFailed("connection closed by peer during the handshake"))
        case .active where !receivedCloseNotify:
            context.fireErrorCaught(TLSError.uncleanShutdown)
        default:
            break
        }
        closePromise?.succeed(())
        closePromise = nil
        context.fireChannelInactive()
    }

    private func startHandshake(context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let deadline = min(NIODeadline.now() + handshakeTimeout, handshakeDeadline ?? .distantFuture)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            guard handler.state == .handshaking else { return }
            handler.fail(context: context, TLSError.handshakeTimeout)
        }
        advanceHandshake(context: context)
    }

    // MARK: inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        connection.feed(&buffer)
        switch state {
        case .handshaking: advanceHandshake(context: context)
        case .active, .closing: decrypt(context: context)
        case .idle, .closed: break
        }
    }

    private func advanceHandshake(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .incomplete:
            flushCiphertext(context: context)
        case .failed(let error):
            fail(context: context, error)
        case .complete:
            flushCiphertext(context: context)
            timer?.cancel()
            if let refusal = verifyPeer() {
                fail(context: context, refusal)
                return
            }
            state = .active
            negotiatedProtocol = connection.negotiatedProtocol
            handshakePromise?.succeed(peerIdentity)
            handshakePromise = nil
            context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(
                peer: peerIdentity, protocolVersion: connection.negotiatedProtocol, cipher: connection.cipher))
            let writes = pendingWrites
            pendingWrites = []
            for (buffer, promise) in writes { encryptAndWrite(context: context, buffer, promise: promise) }
            if flushPending { flushPending = false; context.flush() }
            // Application data may have arrived with the last handshake flight.
            decrypt(context: context)
        }
    }

    /// Trust-anchor checks the handshake could not do itself (pinned CA), and the identity handed upwards.
    private func verifyPeer() -> TLSError? {
        guard let leaf = connection.peerCertificate else {
            if connection.context.role == .client { return .peerCertificateMissing }
            return connection.context.configuration.clientAuthentication == .required ? .peerCertificateMissing : nil
        }
        if case .pinnedCAFingerprint(let pin) = connection.context.configuration.trust {
            let chain = connection.peerChain
            guard let ca = chain.first(where: { $0.fingerprint == pin.lowercased() && $0.isCA }) else {
                return .peerCertificateRejected("certificate signed by unknown CA (no CA with the pinned fingerprint \(pin.prefix(16))… in the peer's chain)")
            }
            do {
                // During a CA rollover the leaf is the new CA's, reached through the chain's cross-signed intermediate.
                try CertificateVerifier.verify(leaf, chainsTo: ca, intermediates: chain.dropFirst().filter { $0 != ca })
            } catch let PKIError.verificationFailed(reason) {
                return .peerCertificateRejected(reason)
            } catch {
                return .peerCertificateRejected("\(error)")
            }
        }
        let identity = PeerIdentity(certificate: leaf)
        // With a network CA the policy already ran in OpenSSL's verify callback
        // (PolicyVerification); a pinned CA is only checked here, so its policy too.
        if case .pinnedCAFingerprint = connection.context.configuration.trust,
           let reason = connection.verification.policy.check(identity) {
            return .peerNotAllowed(reason)
        }
        peerIdentity = identity
        return nil
    }

    private func decrypt(context: ChannelHandlerContext) {
        guard var buffer = scratch else { return }
        buffer.clear()
        let result = connection.read(into: &buffer)
        scratch = buffer
        switch result {
        case .data:
            let out = buffer.readSlice(length: buffer.readableBytes)!
            scratch = context.channel.allocator.buffer(capacity: 16 * 1024)
            context.fireChannelRead(wrapInboundOut(out))
            context.fireChannelReadComplete()
            // A close_notify may follow the data in the same read.
            if state == .active || state == .closing { decrypt(context: context) }
        case .wantMore:
            break
        case .closed:
            receivedCloseNotify = true
            if state == .active {
                state = .closing
                connection.shutdown()
                flushCiphertext(context: context)
            }
            state = .closed
            timer?.cancel()
            context.close(promise: closePromise)
            closePromise = nil
        case .failed(let error):
            flushCiphertext(context: context)
            state = .closed
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    // MARK: outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .idle, .handshaking:
            pendingWrites.append((buffer, promise))
        case .active:
            encryptAndWrite(context: context, buffer, promise: promise)
        case .closing, .closed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        if state == .handshaking || state == .idle { flushPending = true; return }
        context.flush()
    }

    private func encryptAndWrite(context: ChannelHandlerContext, _ buffer: ByteBuffer, promise: EventLoopPromise<Void>?) {
        var remaining = buffer
        var batch = context.channel.allocator.buffer(capacity: min(remaining.readableBytes + 1024, Self.writeBatch + Self.writeSlice))
        repeat {
            let slice = remaining.readSlice(length: min(Self.writeSlice, remaining.readableBytes))!
            if let error = connection.write(slice) {
                promise?.fail(error)
                fail(context: context, error)
                return
            }
            connection.drainOutbound(into: &batch)
            if batch.readableBytes >= Self.writeBatch && remaining.readableBytes > 0 {
                context.write(wrapOutboundOut(batch), promise: nil)
                batch = context.channel.allocator.buffer(capacity: Self.writeBatch + Self.writeSlice)
            }
        } while remaining.readableBytes > 0
        context.write(wrapOutboundOut(batch), promise: promise)
    }

    private func flushCiphertext(context: ChannelHandlerContext) {
        guard let ciphertext = connection.drainOutbound(allocator: context.channel.allocator) else { return }
        context.writeAndFlush(wrapOutboundOut(ciphertext), promise: nil)
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else { context.close(mode: mode, promise: promise); return }
        switch state {
        case .active:
            state = .closing
            // Always hold a promise, so a later close() can wait on this one.
            closePromise = promise ?? context.eventLoop.makePromise()
            if connection.shutdown() {
                flushCiphertext(context: context)
                state = .closed
                context.close(promise: closePromise)
                closePromise = nil
                return
            }
            flushCiphertext(context: context)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: closeTimeout) {
                let (handler, context) = bound.value
                guard handler.state == .closing else { return }
                handler.state = .closed
                context.close(promise: handler.closePromise)
                handler.closePromise = nil
            }
        case .closing:
            if let promise {
                if let closePromise { closePromise.futureResult.cascade(to: promise) } else { context.close(promise: promise) }
            }
        case .idle, .handshaking:
            state = .closed
            failPending(TLSError.handshakeFailed("connection closed locally before the handshake finished"))
            context.close(promise: promise)
        case .closed:
            context.close(promise: promise)
        }
    }

    // MARK: failure

    private func fail(context: ChannelHandlerContext, _ error: TLSError) {
        timer?.cancel()
        flushCiphertext(context: context)
        state = .closed
        failPending(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error) {
        handshakePromise?.fail(error)
        handshakePromise = nil
        let writes = pendingWrites
        pendingWrites = []
        for (_, promise) in writes { promise?.fail(error) }
    }
}
