internal import COverlayOpenSSL

/// Hashes, MACs, key derivation and randomness, all from OpenSSL's libcrypto:
/// overlayd carries no cryptography of its own.
public enum Digest {
    /// SHA-256 of `data`.
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &out, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1, "EVP_Digest(SHA-256) failed: \(OpenSSLErrorStack.drain())")
        return Array(out.prefix(Int(length)))
    }

    /// HMAC-SHA256 of `message` under `key`.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count),
                     m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &length)
            }
        }
        precondition(result != nil, "HMAC-SHA256 failed: \(OpenSSLErrorStack.drain())")
        return Array(out.prefix(Int(length)))
    }

    /// HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF.
    public static func hkdfSHA256(key: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let ok = overlay_hkdf_sha256(key, key.count, salt, salt.count, info, info.count, &out, length)
        precondition(ok == 1, "HKDF-SHA256 failed: \(OpenSSLErrorStack.drain())")
        return out
    }

    /// `count` bytes from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = RAND_bytes(&out, Int32(count))
        precondition(ok == 1, "RAND_bytes failed: \(OpenSSLErrorStack.drain())")
        return out
    }

    /// Compares in time independent of where the inputs differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses lower- or upper-case hex, optionally with ':' separators; nil when malformed.
    public static func fromHex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8.filter { $0 != UInt8(ascii: ":") })
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        var i = 0
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: return nil
            }
        }
        while i < chars.count {
            guard let h = nibble(chars[i]), let l = nibble(chars[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
