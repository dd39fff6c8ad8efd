internal import COverlayOpenSSL

/// A PKCS#10 request: how a node hands its public key to the controller
/// without the private key ever leaving the node.
public final class CertificateSigningRequest: @unchecked Sendable {
    let req: OpaquePointer

    init(taking req: OpaquePointer) { self.req = req }
    deinit { X509_REQ_free(req) }

    /// A request for `commonName`, signed with `key` (proof of possession).
    public convenience init(commonName: String, key: PrivateKey) throws {
        guard let req = X509_REQ_new() else { throw PKIError.signingFailed("X509_REQ_new failed") }
        self.init(taking: req)
        X509_REQ_set_version(req, 0)
        let name = X509_REQ_get_subject_name(req)
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
              X509_REQ_set_pubkey(req, key.pkey) == 1,
              X509_REQ_sign(req, key.pkey, EVP_sha256()) > 0 else {
            throw PKIError.signingFailed("cannot build request for \(commonName): \(OpenSSLErrorStack.drain())")
        }
    }

    public convenience init(pem: String) throws {
        let req: OpaquePointer? = MemoryBIO.reading(Array(pem.utf8)) { PEM_read_bio_X509_REQ($0, nil, nil, nil) }
        guard let req else {
            throw PKIError.invalidRequest("not a PEM certificate request: \(OpenSSLErrorStack.drain())")
        }
        self.init(taking: req)
    }

    public var pem: String {
        let bytes = try? MemoryBIO.writing { PEM_write_bio_X509_REQ($0, req) == 1 }
        return String(decoding: bytes ?? [], as: UTF8.self)
    }

    /// The requested public key (SubjectPublicKeyInfo DER).
    public var publicKeyDER: [UInt8] { PublicKeyDER.encode(X509_REQ_get0_pubkey(req)) }

    public var commonName: String? { Certificate.commonName(of: X509_REQ_get_subject_name(req)) }

    /// Checks the request's self-signature, i.e. that the sender holds the key.
    public func verifySignature() throws {
        guard let key = X509_REQ_get0_pubkey(req) else { throw PKIError.invalidRequest("request carries no public key") }
        guard X509_REQ_verify(req, key) == 1 else {
            _ = OpenSSLErrorStack.drain()
            throw PKIError.invalidRequest("the request's signature does not verify with its own public key")
        }
        var group = [CChar](repeating: 0, count: 64)
        var groupLength = 0
        let isP256 = EVP_PKEY_is_a(key, "EC") == 1
            && EVP_PKEY_get_group_name(key, &group, group.count, &groupLength) == 1
            && String(decoding: group.prefix(groupLength).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1"
        let isEd = EVP_PKEY_is_a(key, "ED25519") == 1
        guard isP256 || isEd else {
            throw PKIError.invalidRequest("unsupported key type; use ECDSA P-256 or Ed25519")
        }
    }
}
