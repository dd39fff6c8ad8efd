internal import COverlayOpenSSL
import Foundation

/// The network CA: one per overlay network, its key kept by the controller and
/// encrypted at rest. Every certificate it signs binds exactly one name (CN and
/// DNS SAN) and, for nodes, one overlay IP (IP SAN); the subject a CSR asks for
/// is ignored, so a node cannot ask for more than the controller grants.
public final class CertificateAuthority: @unchecked Sendable {
    public let certificate: Certificate
    let key: PrivateKey

    public init(certificate: Certificate, key: PrivateKey) throws {
        guard key.matches(certificate) else {
            throw PKIError.verificationFailed("the CA key does not belong to CA certificate \(certificate.commonName ?? "?")")
        }
        guard certificate.isCA else { throw PKIError.verificationFailed("\(certificate) is not a CA certificate") }
        self.certificate = certificate
        self.key = key
    }

    /// A new self-signed CA with a fresh key.
    public static func create(commonName: String, validity: TimeInterval = 10 * 365 * 86_400) throws -> CertificateAuthority {
        let key = try PrivateKey.generate()
        let cert = try buildCertificate(subject: commonName, publicKey: key.pkey, issuer: nil, signer: key,
                                        validity: validity, extensions: [
                                            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                                            (NID_key_usage, "critical,keyCertSign,cRLSign"),
                                            (NID_subject_key_identifier, "hash"),
                                        ])
        return try CertificateAuthority(certificate: cert, key: key)
    }

    /// The key-rollover certificate of RFC 4210 ("new with old"): `successor`'s key
    /// under this CA's signature. Both CAs carry the same name, so the
    /// certificate is self-issued and does not count against `pathlen:0`; a
    /// peer that still trusts only this CA verifies the successor's leaves
    /// through it, and one that trusts the successor never needs it.
    public func crossSign(_ successor: CertificateAuthority) throws -> Certificate {
        guard successor.certificate.commonName == certificate.commonName else {
            throw PKIError.signingFailed("a successor CA carries the same name as the CA it replaces")
        }
        guard let pub = X509_get0_pubkey(successor.certificate.x509) else { throw PKIError.signingFailed("successor CA has no public key") }
        let validity = min(certificate.notAfter, successor.certificate.notAfter).timeIntervalSinceNow
        guard validity > 0 else { throw PKIError.signingFailed("\(certificate) has expired: it cannot vouch for a successor") }
        return try Self.buildCertificate(subject: certificate.commonName ?? "", publicKey: pub, issuer: certificate, signer: key,
                                         validity: validity, extensions: [
                                            (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                                            (NID_key_usage, "critical,keyCertSign,cRLSign"),
                                            (NID_subject_key_identifier, "hash"),
                                            (NID_authority_key_identifier, "keyid:always"),
                                         ])
    }

    /// Loads the CA certificate and decrypts its key.
    public static func load(certificateFile: String, keyFile: String, passphrase: [UInt8]) throws -> CertificateAuthority {
        let cert = try Certificate(file: certificateFile)
        let key = try PrivateKey.load(file: keyFile, passphrase: passphrase)
        return try CertificateAuthority(certificate: cert, key: key)
    }

    /// Writes the CA key, encrypted under `passphrase`, mode 0600.
    public func writeKey(file path: String, passphrase: [UInt8]) throws {
        try key.write(file: path, passphrase: passphrase)
    }

    /// Signs a leaf certificate for `name` over the key in `request`.
    /// - Parameters:
    ///   - dnsNames: extra DNS SANs beyond `name` (the controller's advertised host names).
    ///   - ipAddresses: IP SANs (a node's overlay IP; the controller's advertised IPs).
    public func sign(request: CertificateSigningRequest, name: String, dnsNames: [String] = [], ipAddresses: [String],
                     validity: TimeInterval, notBefore: Date = Date()) throws -> Certificate {
        try request.verifySignature()
        guard let pub = X509_REQ_get0_pubkey(request.req) else { throw PKIError.invalidRequest("request carries no public key") }
        var sans = ["DNS:\(name)"] + dnsNames.filter { $0 != name }.map { "DNS:\($0)" }
        sans += ipAddresses.map { "IP:\($0)" }
        return try Self.buildCertificate(subject: name, publicKey: pub, issuer: certificate, signer: key,
                                         validity: validity, notBefore: notBefore, extensions: [
                                            (NID_basic_constraints, "critical,CA:FALSE"),
                                            (NID_key_usage, "critical,digitalSignature"),
                                            (NID_ext_key_usage, "serverAuth,clientAuth"),
                                            (NID_subject_key_identifier, "hash"),
                                            (NID_authority_key_identifier, "keyid:always"),
                                            (NID_subject_alt_name, sans.joined(separator: ",")),
                                         ])
    }

    /// How far behind a peer's clock may run and still accept a new certificate.
    public static let clockSkewAllowance: TimeInterval = 15 * 60

    static func buildCertificate(subject: String, publicKey: OpaquePointer, issuer: Certificate?, signer: PrivateKey,
                                 validity: TimeInterval, notBefore: Date = Date(),
                                 extensions: [(Int32, String)]) throws -> Certificate {
        guard let x = X509_new() else { throw PKIError.signingFailed("X509_new failed") }
        let cert = Certificate(taking: x)
        X509_set_version(x, 2)
        // 127-bit random serial: unique without coordination between controllers.
        var serialBytes = Digest.randomBytes(16)
        serialBytes[0] &= 0x7f
        let bn = BN_bin2bn(serialBytes, Int32(serialBytes.count), nil)
        defer { BN_free(bn) }
        guard let serial = BN_to_ASN1_INTEGER(bn, nil) else { throw PKIError.signingFailed("serial") }
        X509_set_serialNumber(x, serial)
        ASN1_INTEGER_free(serial)
        // Valid from a little before now, so a peer whose clock runs behind accepts it
        // (the skew allowance); a short-lived certificate gives up at most a quarter of its lifetime.
        let start = time_t(notBefore.timeIntervalSince1970 - min(Self.clockSkewAllowance, validity / 4))
        let end = time_t(notBefore.timeIntervalSince1970 + validity)
        guard let nb = ASN1_TIME_set(nil, start), let na = ASN1_TIME_set(nil, end) else { throw PKIError.signingFailed("validity") }
        X509_set1_notBefore(x, nb); ASN1_TIME_free(nb)
        X509_set1_notAfter(x, na); ASN1_TIME_free(na)
        let name = X509_get_subject_name(x)
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, subject, -1, -1, 0) == 1 else {
            throw PKIError.signingFailed("invalid subject name \(subject)")
        }
        X509_set_issuer_name(x, issuer.map { X509_get_subject_name($0.x509) } ?? name)
        guard X509_set_pubkey(x, publicKey) == 1 else { throw PKIError.signingFailed("cannot set public key") }
        let issuerX = issuer?.x509 ?? x
        for (nid, value) in extensions {
            guard overlay_x509_add_ext(x, issuerX, nid, value) == 1 else {
                throw PKIError.signingFailed("cannot add extension \(value): \(OpenSSLErrorStack.drain())")
            }
        }
        guard X509_sign(x, signer.pkey, EVP_sha256()) > 0 else {
            throw PKIError.signingFailed(OpenSSLErrorStack.drain().description)
        }
        return cert
    }
}
