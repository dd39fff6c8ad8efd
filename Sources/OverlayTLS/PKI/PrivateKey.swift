internal import COverlayOpenSSL
import Foundation

/// An ECDSA P-256 private key. P-256 because every TLS stack and the
/// `openssl` command speak it, and its signatures are small and fast to
/// verify; on disk it is only ever PKCS#8 encrypted with AES-256-CBC under a
/// PBKDF2-derived key (OpenSSL's PBES2 defaults).
public final class PrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer

    init(taking pkey: OpaquePointer) { self.pkey = pkey }
    deinit { EVP_PKEY_free(pkey) }

    /// A fresh P-256 key from OpenSSL's CSPRNG.
    public static func generate() throws -> PrivateKey {
        guard let key = overlay_generate_p256() else {
            throw PKIError.keyGenerationFailed(OpenSSLErrorStack.drain().description)
        }
        return PrivateKey(taking: key)
    }

    /// Encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY").
    public func encryptedPEM(passphrase: [UInt8]) throws -> String {
        guard !passphrase.isEmpty, !passphrase.contains(0), passphrase.count <= 1023 else {
            throw PKIError.signingFailed("refusing to encrypt a private key with an empty passphrase, one with NUL bytes, or one over 1023 bytes (it could not be read back)")
        }
        let bytes = try MemoryBIO.writing { bio in
            passphrase.withUnsafeBytes { pass in
                PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(),
                                              pass.baseAddress?.assumingMemoryBound(to: CChar.self),
                                              Int32(pass.count), nil, nil) == 1
            }
        }
        guard let bytes else { throw PKIError.signingFailed("cannot encrypt private key: \(OpenSSLErrorStack.drain())") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Unencrypted PKCS#8 PEM. Only for handing a key to another tool in a
    /// test or an export; overlayd never writes this form to its state.
    public func unencryptedPEM() -> String {
        let bytes = try? MemoryBIO.writing { bio in
            PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1
        }
        return String(decoding: bytes ?? [], as: UTF8.self)
    }

    /// Decrypts an encrypted PEM key.
    public static func load(pem: String, passphrase: [UInt8], source: String = "private key") throws -> PrivateKey {
        guard pem.contains("ENCRYPTED PRIVATE KEY") else {
            throw PKIError.invalidPEM(what: source, reason: "the key is not encrypted; overlayd only reads encrypted PKCS#8 keys")
        }
        var pass = passphrase + [0]
        let key: OpaquePointer? = MemoryBIO.reading(Array(pem.utf8)) { bio in
            pass.withUnsafeMutableBytes { PEM_read_bio_PrivateKey(bio, nil, nil, $0.baseAddress) }
        }
        guard let key else {
            _ = OpenSSLErrorStack.drain()
            throw PKIError.wrongPassphrase(path: source)
        }
        return PrivateKey(taking: key)
    }

    /// Reads and decrypts a key file.
    public static func load(file path: String, passphrase: [UInt8]) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PKIError.cannotRead(path: path, reason: "file missing or unreadable")
        }
        return try load(pem: String(decoding: data, as: UTF8.self), passphrase: passphrase, source: path)
    }

    /// Writes the encrypted key with mode 0600, atomically.
    public func write(file path: String, passphrase: [UInt8]) throws {
        let pem = try encryptedPEM(passphrase: passphrase)
        try SecureFile.write(Array(pem.utf8), to: path, mode: 0o600)
    }

    /// True when `certificate` carries this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        X509_check_private_key(certificate.x509, pkey) == 1
    }
}
