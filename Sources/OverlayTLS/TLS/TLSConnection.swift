internal import COverlayOpenSSL
import NIOCore

/// One `SSL*` between two memory BIOs: ciphertext from the network is fed
/// into `inbound`, ciphertext to send is drained from `outbound`. Memory BIOs
/// grow on write, so `SSL_write` never wants-write and want-read only ever
/// means "wait for more bytes from the network". Event-loop confined.
final class TLSConnection {
    enum Step { case complete, incomplete, failed(TLSError) }
    enum ReadResult { case data, wantMore, closed, failed(TLSError) }

    let context: TLSContext
    let verification: PolicyVerification
    private let ssl: OpaquePointer
    private let inbound: OpaquePointer
    private let outbound: OpaquePointer

    init(context: TLSContext, serverName: String? = nil, policy: PeerPolicy = .anyCertifiedPeer) throws {
        guard let ssl = SSL_new(context.ctx) else {
            throw TLSError.invalidConfiguration("SSL_new failed: \(OpenSSLErrorStack.drain())")
        }
        self.context = context
        self.ssl = ssl
        verification = PolicyVerification(policy: policy)
        // Borrowed, not retained: `verification` lives exactly as long as `ssl`.
        SSL_set_ex_data(ssl, PolicyVerification.exIndex, Unmanaged.passUnretained(verification).toOpaque())
        inbound = BIO_new(BIO_s_mem())
        outbound = BIO_new(BIO_s_mem())
        _ = overlay_BIO_set_mem_eof_return(inbound, -1)
        SSL_set_bio(ssl, inbound, outbound)
        if context.role == .client {
            SSL_set_connect_state(ssl)
            if let serverName, !serverName.isEmpty, serverName.first?.isLetter == true {
                _ = overlay_SSL_set_tlsext_host_name(ssl, serverName)
            }
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }  // frees both BIOs

    func feed(_ buffer: inout ByteBuffer) {
        buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                var written = 0
                _ = BIO_write_ex(inbound, raw.baseAddress! + offset, raw.count - offset, &written)
                offset += written
                if written == 0 { break }
            }
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
    }

    func handshake() -> Step {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        let error = SSL_get_error(ssl, rc)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return .incomplete }
        return .failed(classifyHandshakeFailure(error))
    }

    /// Decrypts everything available into `buffer`.
    func read(into buffer: inout ByteBuffer) -> ReadResult {
        var gotData = false
        while true {
            ERR_clear_error()
            buffer.reserveCapacity(minimumWritableBytes: 16 * 1024)
            var count = 0
            let rc = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { raw in
                let rc = SSL_read_ex(ssl, raw.baseAddress, raw.count, &count)
                return rc == 1 ? count : 0
            }
            if rc > 0 { gotData = true; continue }
            let error = SSL_get_error(ssl, 0)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return gotData ? .data : .wantMore
            case SSL_ERROR_ZERO_RETURN:
                return gotData ? .data : .closed
            case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                return .failed(.uncleanShutdown)
            default:
                let stack = OpenSSLErrorStack.drain()
                if stack.reasons.contains(where: { $0.contains("unexpected eof") }) { return .failed(.uncleanShutdown) }
                if let alert = Self.alertReason(stack) { return .failed(.rejectedByPeer(alert)) }
                return .failed(.protocolError(stack.description))
            }
        }
    }

    func write(_ buffer: ByteBuffer) -> TLSError? {
        var failure: TLSError?
        buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                ERR_clear_error()
                var written = 0
                if SSL_write_ex(ssl, raw.baseAddress! + offset, raw.count - offset, &written) != 1 {
                    failure = .protocolError("write failed: \(OpenSSLErrorStack.drain())")
                    return
                }
                offset += written
            }
        }
        return failure
    }

    /// Sends close_notify. Returns true when the peer's close_notify has also been seen.
    @discardableResult
    func shutdown() -> Bool {
        ERR_clear_error()
        let rc = SSL_shutdown(ssl)
        _ = OpenSSLErrorStack.drain()
        return rc == 1
    }

    var pendingOutbound: Int { Int(overlay_BIO_ctrl_pending(outbound)) }

    /// Moves the ciphertext waiting in the outbound BIO into a buffer.
    func drainOutbound(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = pendingOutbound
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        drainOutbound(into: &buffer)
        return buffer
    }

    /// Appends the ciphertext waiting in the outbound BIO to `buffer`.
    func drainOutbound(into buffer: inout ByteBuffer) {
        let pending = pendingOutbound
        guard pending > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
            var read = 0
            _ = BIO_read_ex(outbound, raw.baseAddress, pending, &read)
            return read
        }
    }

    var peerCertificate: Certificate? {
        guard let x = SSL_get0_peer_certificate(ssl) else { return nil }
        return Certificate(borrowing: x)
    }

    /// The chain the peer sent (on a client this includes the leaf).
    var peerChain: [Certificate] {
        guard let chain = SSL_get_peer_cert_chain(ssl) else { return [] }
        return (0..<overlay_sk_X509_num(chain)).compactMap { i in
            overlay_sk_X509_value(chain, i).map { Certificate(borrowing: $0) }
        }
    }

    /// RFC 8446 §7.5 exporter output for `label` and `context`; nil before the
    /// handshake completed or when OpenSSL refuses.
    func exportKeyingMaterial(label: String, context: [UInt8], length: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        let ok = out.withUnsafeMutableBufferPointer { o in
            context.withUnsafeBufferPointer { c in
                SSL_export_keying_material(ssl, o.baseAddress, length, label, label.utf8.count, c.baseAddress, c.count, 1)
            }
        }
        _ = OpenSSLErrorStack.drain()
        return ok == 1 ? out : nil
    }

    var negotiatedProtocol: String { String(cString: SSL_get_version(ssl)) }
    var cipher: String { SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? "" }

    private func classifyHandshakeFailure(_ error: Int32) -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        let stack = OpenSSLErrorStack.drain()
        if verify == X509_V_ERR_APPLICATION_VERIFICATION, let refusal = verification.refusal { return .peerNotAllowed(refusal) }
        if verify != X509_V_OK {
            if let words = ClockTrouble.describe(Int32(verify), certificate: verification.outOfDate) { return .peerCertificateRejected(words) }
            return .peerCertificateRejected(VerifyResult.describe(verify))
        }
        if stack.reasons.contains(where: { $0.contains("peer did not return a certificate") }) {
            return .peerCertificateMissing
        }
        if let alert = Self.alertReason(stack) { return .rejectedByPeer(alert) }
        if error == SSL_ERROR_SYSCALL || stack.reasons.contains(where: { $0.contains("unexpected eof") }) {
            return .handshakeFailed("connection closed by peer during the handshake")
        }
        return .handshakeFailed(stack.description)
    }

    /// Turns "tlsv1 alert unknown ca" into words about what the peer refused.
    static func alertReason(_ stack: OpenSSLErrorStack) -> String? {
        guard let reason = stack.reasons.first(where: { $0.contains("alert") }) else { return nil }
        if reason.contains("unknown ca") { return "our certificate is signed by a CA it does not know (\(reason))" }
        if reason.contains("certificate expired") {
            return "it finds our certificate expired (\(reason)); if ours is current, its clock runs ahead: check time synchronisation on both hosts"
        }
        if reason.contains("certificate required") { return "it requires a client certificate (\(reason))" }
        if reason.contains("bad certificate") {
            return "it rejected our certificate (\(reason)); if its clock runs behind, it sees our certificate as not valid yet: check time synchronisation on both hosts"
        }
        if reason.contains("access denied") { return "it does not admit us (\(reason))" }
        if reason.contains("handshake failure") { return "it refused our certificate or name (\(reason))" }
        return reason
    }
}
