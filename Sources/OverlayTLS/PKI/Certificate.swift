internal import COverlayOpenSSL
import Foundation

/// An X.509 certificate held by OpenSSL. Immutable once made, so it is
/// shared freely between threads; the name and overlay IP it binds are read
/// from its subject and subject alternative names.
public final class Certificate: @unchecked Sendable, Equatable, CustomStringConvertible {
    let x509: OpaquePointer

    /// Takes ownership of `x509`.
    init(taking x509: OpaquePointer) { self.x509 = x509 }

    /// Shares `x509` (adds a reference).
    init(borrowing x509: OpaquePointer) {
        X509_up_ref(x509)
        self.x509 = x509
    }

    deinit { X509_free(x509) }

    /// Parses the first certificate in PEM text.
    public convenience init(pem: String) throws {
        let bytes = Array(pem.utf8)
        let pointer: OpaquePointer? = MemoryBIO.reading(bytes) { bio in
            PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let pointer else {
            throw PKIError.invalidPEM(what: "certificate", reason: OpenSSLErrorStack.drain().description)
        }
        self.init(taking: pointer)
    }

    /// Parses every certificate in PEM text (a chain file).
    public static func chain(pem: String) throws -> [Certificate] {
        let bytes = Array(pem.utf8)
        var result: [Certificate] = []
        MemoryBIO.reading(bytes) { bio in
            while let x = PEM_read_bio_X509(bio, nil, nil, nil) {
                result.append(Certificate(taking: x))
            }
        }
        ERR_clear_error()
        if result.isEmpty { throw PKIError.invalidPEM(what: "certificate chain", reason: "no certificate found") }
        return result
    }

    /// Loads a PEM certificate file.
    public convenience init(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PKIError.cannotRead(path: path, reason: "file missing or unreadable")
        }
        do {
            try self.init(pem: String(decoding: data, as: UTF8.self))
        } catch PKIError.invalidPEM(_, let reason) {
            throw PKIError.invalidPEM(what: path, reason: reason)
        }
    }

    public var pem: String {
        let bytes = try? MemoryBIO.writing { bio in PEM_write_bio_X509(bio, x509) == 1 }
        return String(decoding: bytes ?? [], as: UTF8.self)
    }

    public var der: [UInt8] {
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_X509(x509, &pointer)
        guard length > 0, let pointer else { return [] }
        defer { overlay_OPENSSL_free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(length)))
    }

    /// The subject public key (SubjectPublicKeyInfo DER).
    public var publicKeyDER: [UInt8] { PublicKeyDER.encode(X509_get0_pubkey(x509)) }

    /// SHA-256 over the DER encoding, lower-case hex: what tokens pin and rosters publish.
    public var fingerprint: String { Digest.hex(Digest.sha256(der)) }

    /// The subject's common name.
    public var commonName: String? { Self.commonName(of: X509_get_subject_name(x509)) }

    public var issuerCommonName: String? { Self.commonName(of: X509_get_issuer_name(x509)) }

    static func commonName(of name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>? = nil
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { overlay_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// DNS names from the subject alternative names.
    public var dnsNames: [String] { sanEntries(type: GEN_DNS).map { String(decoding: $0, as: UTF8.self) } }

    /// IP addresses (v4 dotted, v6 colon form) from the subject alternative names.
    public var ipAddresses: [String] {
        sanEntries(type: GEN_IPADD).compactMap { bytes in
            if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
            if bytes.count == 16 {
                var addr = in6_addr()
                withUnsafeMutableBytes(of: &addr) { $0.copyBytes(from: bytes) }
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                guard inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            return nil
        }
    }

    private func sanEntries(type wanted: Int32) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        var index: Int32 = 0
        while true {
            var length = 0
            let type = overlay_x509_san_entry(x509, index, &buffer, buffer.count, &length)
            if type < 0 { break }
            if type == wanted { result.append(Array(buffer.prefix(length))) }
            index += 1
        }
        return result
    }

    /// Serial number as upper-case hex.
    public var serial: String {
        guard let serial = X509_get0_serialNumber(x509), let bn = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { overlay_OPENSSL_free(hex) }
        return String(decoding: UnsafeRawBufferPointer(start: hex, count: strlen(hex)), as: UTF8.self)
    }

    public var notBefore: Date { Self.date(X509_get0_notBefore(x509)) }
    public var notAfter: Date { Self.date(X509_get0_notAfter(x509)) }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var tm = tm()
        guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return .distantPast }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// True when key usage and extended key usage allow both TLS roles, as
    /// every node both dials and answers.
    public var allowsTLSClientAndServer: Bool {
        X509_check_purpose(x509, X509_PURPOSE_SSL_CLIENT, 0) == 1 && X509_check_purpose(x509, X509_PURPOSE_SSL_SERVER, 0) == 1
    }

    /// True when the subject is a CA (basicConstraints CA:TRUE).
    public var isCA: Bool { X509_check_ca(x509) >= 1 }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool {
        X509_cmp(lhs.x509, rhs.x509) == 0
    }

    public var description: String {
        "certificate '\(commonName ?? "?")' serial \(serial) sha256 \(fingerprint.prefix(16))…"
    }
}

/// SubjectPublicKeyInfo encoding, to compare keys across certificates and requests.
enum PublicKeyDER {
    static func encode(_ key: OpaquePointer?) -> [UInt8] {
        guard let key else { return [] }
        var pointer: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_PUBKEY(key, &pointer)
        guard length > 0, let pointer else { return [] }
        defer { overlay_OPENSSL_free(pointer) }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(length)))
    }
}
