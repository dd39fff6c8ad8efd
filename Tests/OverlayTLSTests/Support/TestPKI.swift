import Foundation
import OverlayTLS

/// A key and the certificate that binds it.
struct Identity: Sendable {
    let certificate: Certificate
    let key: PrivateKey
    /// The CA that signed it, sent after the leaf.
    let issuer: Certificate
    var chain: [Certificate] { [certificate, issuer] }
}

/// The certificates the tests need, made with the module's own PKI: one network
/// CA, a foreign CA nobody trusts, and leaves signed by either. Made once per
/// test process (key generation is cheap, but sharing keeps fingerprints stable
/// across a test and its helpers).
struct TestPKI: Sendable {
    static let shared: TestPKI = {
        do { return try TestPKI() } catch { fatalError("cannot make the test PKI: \(error)") }
    }()

    static let aliceIP = "10.77.0.2"
    static let bobIP = "10.77.0.3"

    let ca: CertificateAuthority
    let foreignCA: CertificateAuthority
    /// The dialing node in most tests.
    let alice: Identity
    /// The listening node in most tests.
    let bob: Identity
    /// Signed by the foreign CA under a name the network would accept.
    let mallory: Identity
    /// Signed by the network CA, expired yesterday.
    let expiredAlice: Identity
    let expiredBob: Identity

    init() throws {
        ca = try CertificateAuthority.create(commonName: "overlayd test network CA")
        foreignCA = try CertificateAuthority.create(commonName: "some other network CA")
        alice = try Self.issue("alice", ip: Self.aliceIP, by: ca)
        bob = try Self.issue("bob", ip: Self.bobIP, by: ca)
        mallory = try Self.issue("alice", ip: Self.aliceIP, by: foreignCA)
        let longAgo = Date().addingTimeInterval(-3 * 86_400)
        expiredAlice = try Self.issue("alice", ip: Self.aliceIP, by: ca, validity: 2 * 86_400, notBefore: longAgo)
        expiredBob = try Self.issue("bob", ip: Self.bobIP, by: ca, validity: 2 * 86_400, notBefore: longAgo)
    }

    /// A fresh key, a CSR for it, and the CA's signature over name + overlay IP.
    static func issue(_ name: String, ip: String, by ca: CertificateAuthority, dnsNames: [String] = [],
                      validity: TimeInterval = 86_400, notBefore: Date = Date()) throws -> Identity {
        let key = try PrivateKey.generate()
        let request = try CertificateSigningRequest(commonName: name, key: key)
        let cert = try ca.sign(request: request, name: name, dnsNames: dnsNames, ipAddresses: [ip],
                               validity: validity, notBefore: notBefore)
        return Identity(certificate: cert, key: key, issuer: ca.certificate)
    }

    // MARK: contexts

    /// A listener presenting `identity`, trusting the network CA (or `trusting`).
    func serverContext(_ identity: Identity, trusting trust: CertificateAuthority? = nil,
                       clientAuthentication: TLSConfiguration.ClientAuthentication = .required) throws -> TLSContext {
        let config = TLSConfiguration(certificateChain: identity.chain, privateKey: identity.key,
                                      trust: .networkCA((trust ?? ca).certificate),
                                      clientAuthentication: clientAuthentication)
        return try TLSContext(role: .server, configuration: config)
    }

    /// A dialer presenting `identity` (none when nil), trusting the network CA.
    func clientContext(_ identity: Identity?, trust: TLSConfiguration.Trust? = nil) throws -> TLSContext {
        let config = TLSConfiguration(certificateChain: identity?.chain ?? [], privateKey: identity?.key,
                                      trust: trust ?? .networkCA(ca.certificate))
        return try TLSContext(role: .client, configuration: config)
    }

    // MARK: files for the openssl command

    /// Writes every certificate as PEM and the leaf keys unencrypted (test-only:
    /// the openssl tools read them without a passphrase) into `dir`.
    func writePEMFiles(to dir: TempDirectory) throws -> PEMFiles {
        PEMFiles(
            ca: try dir.write("ca.pem", ca.certificate.pem),
            foreignCA: try dir.write("foreign-ca.pem", foreignCA.certificate.pem),
            alice: try dir.writeIdentity("alice", alice),
            bob: try dir.writeIdentity("bob", bob),
            mallory: try dir.writeIdentity("mallory", mallory),
            expiredAlice: try dir.writeIdentity("expired-alice", expiredAlice))
    }
}

struct PEMFiles: Sendable {
    struct Pair: Sendable { let cert: String; let key: String }
    let ca: String
    let foreignCA: String
    let alice: Pair
    let bob: Pair
    let mallory: Pair
    let expiredAlice: Pair
}

/// A private temporary directory, removed by `remove()`.
struct TempDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/overlaytls-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PKIError.cannotWrite(path: NSTemporaryDirectory(), reason: "mkdtemp failed")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        try SecureFile.write(text, to: file(name), mode: mode)
        return file(name)
    }

    func writeIdentity(_ name: String, _ identity: Identity) throws -> PEMFiles.Pair {
        PEMFiles.Pair(cert: try write("\(name).pem", identity.certificate.pem),
                      key: try write("\(name).key", identity.key.unencryptedPEM()))
    }

    func read(_ name: String) -> String {
        FileManager.default.contents(atPath: file(name)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
