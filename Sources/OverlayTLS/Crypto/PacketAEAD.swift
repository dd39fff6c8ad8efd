internal import COverlayOpenSSL

/// The AEAD that protects data-plane packets. One algorithm for the whole
/// network (no negotiation to downgrade); the packet header's version byte is
/// where a change would show. docs/security.md says why this one.
public enum DataCipher: String, Sendable, CaseIterable {
    case aes128gcm = "AES-128-GCM"
    case aes256gcm = "AES-256-GCM"
    case chacha20poly1305 = "ChaCha20-Poly1305"

    public var keyLength: Int { self == .aes128gcm ? 16 : 32 }
    public static let nonceLength = 12
    public static let tagLength = 16
}

/// One key in one direction, as one `EVP_CIPHER_CTX` set up once: each packet
/// only sets its nonce (IV XOR counter), so nothing is allocated or looked up
/// per packet. Not thread-safe: the data plane gives every worker thread its
/// own instance of each key.
public final class PacketAEAD: @unchecked Sendable {
    private let ctx: OpaquePointer
    private let encrypting: Bool
    /// The nonce buffer, rewritten per packet: the IV's first 4 bytes stay, the last 8 are IV XOR counter.
    private let nonce: UnsafeMutablePointer<UInt8>
    private let ivTail: UInt64

    public enum Failure: Error, CustomStringConvertible {
        case setup(String)
        public var description: String {
            switch self { case .setup(let why): "cannot set up the data-plane cipher: \(why)" }
        }
    }

    public init(cipher: DataCipher, key: [UInt8], iv: [UInt8], encrypting: Bool) throws(Failure) {
        precondition(key.count == cipher.keyLength && iv.count == DataCipher.nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw .setup("EVP_CIPHER_CTX_new failed") }
        guard let algorithm = EVP_CIPHER_fetch(nil, cipher.rawValue, nil) else {
            EVP_CIPHER_CTX_free(ctx)
            throw .setup("OpenSSL has no \(cipher.rawValue): \(OpenSSLErrorStack.drain())")
        }
        defer { EVP_CIPHER_free(algorithm) }
        let ok = key.withUnsafeBufferPointer { k in
            iv.withUnsafeBufferPointer { v in
                EVP_CipherInit_ex(ctx, algorithm, nil, k.baseAddress, v.baseAddress, encrypting ? 1 : 0)
            }
        }
        guard ok == 1 else {
            EVP_CIPHER_CTX_free(ctx)
            throw .setup("EVP_CipherInit_ex: \(OpenSSLErrorStack.drain())")
        }
        self.ctx = ctx
        self.encrypting = encrypting
        nonce = .allocate(capacity: DataCipher.nonceLength)
        nonce.initialize(from: iv, count: DataCipher.nonceLength)
        ivTail = iv[4..<12].reduce(0) { $0 << 8 | UInt64($1) }
    }

    deinit {
        EVP_CIPHER_CTX_free(ctx)  // also clears the key schedule
        nonce.update(repeating: 0, count: DataCipher.nonceLength)
        nonce.deallocate()
    }

    /// Sets the per-packet nonce: the IV with `counter` XORed into its last 8 bytes (big-endian).
    @inline(__always)
    private func setNonce(_ counter: UInt64) -> Bool {
        UnsafeMutableRawPointer(nonce).storeBytes(of: (ivTail ^ counter).bigEndian, toByteOffset: 4, as: UInt64.self)
        return EVP_CipherInit_ex(ctx, nil, nil, nil, nonce, -1) == 1
    }

    /// Encrypts `length` bytes at `text` in place and writes the 16-byte tag at `tag`.
    /// `aad` (the packet header) is authenticated, not encrypted.
    @inline(__always)
    public func seal(counter: UInt64, aad: UnsafeRawPointer, aadLength: Int,
                     text: UnsafeMutableRawPointer, length: Int, tag: UnsafeMutableRawPointer) -> Bool {
        guard setNonce(counter) else { return false }
        var outLength: Int32 = 0
        let t = text.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherUpdate(ctx, nil, &outLength, aad.assumingMemoryBound(to: UInt8.self), Int32(aadLength)) == 1,
              EVP_CipherUpdate(ctx, t, &outLength, t, Int32(length)) == 1,
              EVP_CipherFinal_ex(ctx, t + Int(outLength), &outLength) == 1 else { return false }
        return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(DataCipher.tagLength), tag) == 1
    }

    /// Decrypts in place; false when the tag does not verify (the bytes are then garbage).
    @inline(__always)
    public func open(counter: UInt64, aad: UnsafeRawPointer, aadLength: Int,
                     text: UnsafeMutableRawPointer, length: Int, tag: UnsafeRawPointer) -> Bool {
        guard setNonce(counter) else { return false }
        var outLength: Int32 = 0
        let t = text.assumingMemoryBound(to: UInt8.self)
        guard EVP_CipherUpdate(ctx, nil, &outLength, aad.assumingMemoryBound(to: UInt8.self), Int32(aadLength)) == 1,
              EVP_CipherUpdate(ctx, t, &outLength, t, Int32(length)) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(DataCipher.tagLength), UnsafeMutableRawPointer(mutating: tag)) == 1
        else { return false }
        return EVP_CipherFinal_ex(ctx, t + Int(outLength), &outLength) == 1
    }
}
