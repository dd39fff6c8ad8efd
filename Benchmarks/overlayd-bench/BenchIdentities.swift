import Foundation
import OverlayTLS

/// One network CA, a listener "bob" and a dialer "alice", as the handler and
/// the openssl tools both need them: the same certificates for both sides of
/// every comparison. Keys are written unencrypted into a private temporary
/// directory because the openssl tools read them there; it is removed at exit.
struct BenchIdentities: Sendable {
    let directory: String
    let caFile: String
    let bob: (cert: String, key: String)
    let alice: (cert: String, key: String)
    let serverContext: TLSContext
    let clientContext: TLSContext

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/overlayd-bench-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PKIError.cannotWrite(path: NSTemporaryDirectory(), reason: "mkdtemp failed")
        }
        directory = String(cString: made)
        let ca = try CertificateAuthority.create(commonName: "overlayd bench CA")
        let bobCert = try Self.issue("bob", ip: "10.77.0.3", by: ca)
        let aliceCert = try Self.issue("alice", ip: "10.77.0.2", by: ca)

        caFile = directory + "/ca.pem"
        try SecureFile.write(ca.certificate.pem, to: caFile, mode: 0o644)
        bob = try Self.write("bob", bobCert, in: directory)
        alice = try Self.write("alice", aliceCert, in: directory)
        serverContext = try TLSContext(role: .server, configuration: .mutual(certificate: bobCert.0, key: bobCert.1, ca: ca.certificate))
        clientContext = try TLSContext(role: .client, configuration: .mutual(certificate: aliceCert.0, key: aliceCert.1, ca: ca.certificate))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func issue(_ name: String, ip: String, by ca: CertificateAuthority) throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generate()
        let cert = try ca.sign(request: CertificateSigningRequest(commonName: name, key: key), name: name,
                               ipAddresses: [ip], validity: 86_400)
        return (cert, key)
    }

    private static func write(_ name: String, _ identity: (Certificate, PrivateKey), in dir: String) throws -> (cert: String, key: String) {
        let cert = dir + "/\(name).pem", key = dir + "/\(name).key"
        try SecureFile.write(identity.0.pem, to: cert, mode: 0o644)
        try SecureFile.write(identity.1.unencryptedPEM(), to: key, mode: 0o600)
        return (cert, key)
    }
}
