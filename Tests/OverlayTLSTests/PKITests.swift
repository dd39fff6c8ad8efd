import Foundation
import OverlayTLS
import Testing

/// The module's own PKI: encrypted CA keys, what a signed certificate binds,
/// and chain verification outside a handshake.
@Suite("PKI")
struct PKITests {
    let pki = TestPKI.shared
    let passphrase = Array("correct horse battery staple".utf8)

    @Test("the CA key is written encrypted, mode 0600, and loads back only with its passphrase")
    func caKeyEncryptedAtRest() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let ca = try CertificateAuthority.create(commonName: "at-rest CA")
        let keyPath = dir.file("ca.key")
        try ca.writeKey(file: keyPath, passphrase: passphrase)
        let certPath = try dir.write("ca.pem", ca.certificate.pem, mode: 0o644)

        let pem = dir.read("ca.key")
        #expect(pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(!pem.contains("-----BEGIN PRIVATE KEY-----"))
        #expect(!pem.contains("-----BEGIN EC PRIVATE KEY-----"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let loaded = try CertificateAuthority.load(certificateFile: certPath, keyFile: keyPath, passphrase: passphrase)
        #expect(loaded.certificate == ca.certificate)
        // The reloaded CA signs certificates that chain to the original.
        let leaf = try TestPKI.issue("dave", ip: "10.77.0.9", by: loaded)
        try CertificateVerifier.verify(leaf.certificate, chainsTo: ca.certificate)

        let wrong = Array("Tr0ub4dor&3".utf8)
        #expect(throws: PKIError.wrongPassphrase(path: keyPath)) {
            try CertificateAuthority.load(certificateFile: certPath, keyFile: keyPath, passphrase: wrong)
        }
        #expect(throws: PKIError.wrongPassphrase(path: keyPath)) { try PrivateKey.load(file: keyPath, passphrase: []) }
    }

    @Test("an unencrypted key or an empty passphrase is refused")
    func plaintextKeysRefused() throws {
        let key = try PrivateKey.generate()
        #expect(throws: PKIError.self) { try PrivateKey.load(pem: key.unencryptedPEM(), passphrase: passphrase) }
        #expect(throws: PKIError.self) { try key.encryptedPEM(passphrase: []) }
        let reloaded = try PrivateKey.load(pem: key.encryptedPEM(passphrase: passphrase), passphrase: passphrase)
        #expect(reloaded.unencryptedPEM() == key.unencryptedPEM())
    }

    @Test("a signed certificate binds the granted name (CN and DNS SAN) and overlay IP, not what the CSR asked for")
    func certificateBindsNameAndIP() throws {
        let key = try PrivateKey.generate()
        let request = try CertificateSigningRequest(commonName: "mallory", key: key)
        #expect(request.commonName == "mallory")
        let cert = try pki.ca.sign(request: request, name: "alice", dnsNames: ["alice.overlay.test"],
                                   ipAddresses: ["10.77.0.2", "fd77::2"], validity: 86_400)
        #expect(cert.commonName == "alice")
        #expect(cert.dnsNames == ["alice", "alice.overlay.test"])
        #expect(cert.ipAddresses == ["10.77.0.2", "fd77::2"])
        #expect(cert.issuerCommonName == pki.ca.certificate.commonName)
        #expect(!cert.isCA)
        #expect(pki.ca.certificate.isCA)
        #expect(key.matches(cert))
        #expect(cert.fingerprint.count == 64)
        #expect(cert.notAfter.timeIntervalSince(cert.notBefore) > 86_000)
        // PEM round trip keeps the very same certificate.
        let again = try Certificate(pem: cert.pem)
        #expect(again == cert)
        #expect(again.fingerprint == cert.fingerprint)
    }

    @Test("a CSR travels as PEM and a forged one is refused")
    func requestRoundTrip() throws {
        let key = try PrivateKey.generate()
        let request = try CertificateSigningRequest(commonName: "erin", key: key)
        let parsed = try CertificateSigningRequest(pem: request.pem)
        #expect(parsed.commonName == "erin")
        try parsed.verifySignature()
        #expect(throws: PKIError.self) { try CertificateSigningRequest(pem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n") }
    }

    @Test("a leaf chains to its own CA only, and not once expired")
    func chainVerification() throws {
        try CertificateVerifier.verify(pki.alice.certificate, chainsTo: pki.ca.certificate)
        #expect(throws: PKIError.verificationFailed("certificate signed by unknown CA")) {
            try CertificateVerifier.verify(pki.alice.certificate, chainsTo: pki.foreignCA.certificate)
        }
        #expect(throws: PKIError.verificationFailed("certificate signed by unknown CA")) {
            try CertificateVerifier.verify(pki.mallory.certificate, chainsTo: pki.ca.certificate)
        }
        let expired = #expect(throws: PKIError.self) {
            try CertificateVerifier.verify(pki.expiredAlice.certificate, chainsTo: pki.ca.certificate)
        }
        #expect("\(expired.map { "\($0)" } ?? "")".contains("certificate expired: the certificate of alice was valid until"),
                "\(String(describing: expired))")
        // Verification time is a parameter: today's valid leaf (one day) has expired two days from now.
        #expect(throws: PKIError.verificationFailed("certificate expired")) {
            try CertificateVerifier.verify(pki.alice.certificate, chainsTo: pki.ca.certificate,
                                           at: Date().addingTimeInterval(2 * 86_400))
        }
    }
}
