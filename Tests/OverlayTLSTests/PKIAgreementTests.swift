import Foundation
import OverlayTLS
import Testing

/// The `openssl` command, which nobody here wrote, reads the files the PKI
/// writes and agrees with it: names, addresses, fingerprint, serial, chain,
/// key encryption, and CSRs made by the command are signed correctly.
@Suite("PKI agrees with the openssl command", .timeLimit(.minutes(5)))
struct PKIAgreementTests {
    let pki = TestPKI.shared

    @Test("openssl x509 -text shows the subject, SANs and constraints the PKI reads")
    func x509Text() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let identity = try TestPKI.issue("alice", ip: TestPKI.aliceIP, by: pki.ca, dnsNames: ["alice.overlay.test"])
        let path = try dir.write("alice.pem", identity.certificate.pem)
        let text = try await OpenSSLTool.run(["x509", "-in", path, "-noout", "-text"], in: dir)
        #expect(text.status == 0)
        #expect(text.stdout.contains("Subject: CN = alice"))
        #expect(text.stdout.contains("Issuer: CN = \(pki.ca.certificate.commonName!)"))
        #expect(text.stdout.contains("DNS:alice, DNS:alice.overlay.test, IP Address:\(TestPKI.aliceIP)"))
        #expect(text.stdout.contains("CA:FALSE"))
        #expect(text.stdout.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.stdout.contains("NIST CURVE: P-256"))
        #expect(text.stdout.contains("Signature Algorithm: ecdsa-with-SHA256"))

        let fingerprint = try await OpenSSLTool.run(["x509", "-in", path, "-noout", "-fingerprint", "-sha256"], in: dir)
        let hex = fingerprint.stdout.split(separator: "=").last.map { $0.filter { $0 != ":" && !$0.isWhitespace } } ?? ""
        #expect(hex.lowercased() == identity.certificate.fingerprint)

        let serial = try await OpenSSLTool.run(["x509", "-in", path, "-noout", "-serial"], in: dir)
        #expect(serial.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=\(identity.certificate.serial)")

        let caPath = try dir.write("ca.pem", pki.ca.certificate.pem)
        let caText = try await OpenSSLTool.run(["x509", "-in", caPath, "-noout", "-text"], in: dir)
        #expect(caText.stdout.contains("CA:TRUE, pathlen:0"))
        #expect(caText.stdout.contains("Certificate Sign, CRL Sign"))
    }

    @Test("openssl verify accepts the leaf under its CA and refuses it under a foreign CA or once expired")
    func verifyAgrees() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let files = try pki.writePEMFiles(to: dir)

        let good = try await OpenSSLTool.run(["verify", "-CAfile", files.ca, files.alice.cert], in: dir)
        #expect(good.status == 0)
        #expect(good.stdout.contains("\(files.alice.cert): OK"))

        let foreign = try await OpenSSLTool.run(["verify", "-CAfile", files.foreignCA, files.alice.cert], in: dir)
        #expect(foreign.status != 0)
        #expect(foreign.output.contains("unable to get local issuer certificate"))

        let mallory = try await OpenSSLTool.run(["verify", "-CAfile", files.ca, files.mallory.cert], in: dir)
        #expect(mallory.status != 0)

        let expired = try await OpenSSLTool.run(["verify", "-CAfile", files.ca, files.expiredAlice.cert], in: dir)
        #expect(expired.status != 0)
        #expect(expired.output.contains("certificate has expired"))
    }

    @Test("openssl pkey decrypts the written CA key with the passphrase only, and it matches the CA certificate")
    func encryptedKeyAgrees() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let keyPath = dir.file("ca.key")
        try pki.ca.writeKey(file: keyPath, passphrase: Array("s3cret passphrase".utf8))
        let certPath = try dir.write("ca.pem", pki.ca.certificate.pem)

        let right = try await OpenSSLTool.run(["pkey", "-in", keyPath, "-passin", "pass:s3cret passphrase", "-pubout"], in: dir)
        #expect(right.status == 0)
        let certKey = try await OpenSSLTool.run(["x509", "-in", certPath, "-noout", "-pubkey"], in: dir)
        #expect(!right.stdout.isEmpty && right.stdout == certKey.stdout)

        let wrong = try await OpenSSLTool.run(["pkey", "-in", keyPath, "-passin", "pass:not it", "-noout"], in: dir)
        #expect(wrong.status != 0)

        let asn1 = try await OpenSSLTool.run(["asn1parse", "-in", keyPath], in: dir)
        #expect(asn1.stdout.contains("PBES2"))
        #expect(asn1.stdout.contains("aes-256-cbc"))
    }

    @Test("a CSR made by openssl req is signed by the PKI into a certificate openssl verifies")
    func opensslRequestSigned() async throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let csrPath = dir.file("frank.csr")
        let made = try await OpenSSLTool.run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                              "-nodes", "-keyout", dir.file("frank.key"), "-out", csrPath,
                                              "-subj", "/CN=frank"], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        let request = try CertificateSigningRequest(pem: dir.read("frank.csr"))
        #expect(request.commonName == "frank")
        let cert = try pki.ca.sign(request: request, name: "frank", ipAddresses: ["10.77.0.6"], validity: 86_400)
        let certPath = try dir.write("frank.pem", cert.pem)
        let caPath = try dir.write("ca.pem", pki.ca.certificate.pem)
        let verified = try await OpenSSLTool.run(["verify", "-CAfile", caPath, certPath], in: dir)
        #expect(verified.status == 0)
        // The certificate carries the key openssl made.
        let fromKey = try await OpenSSLTool.run(["pkey", "-in", dir.file("frank.key"), "-pubout"], in: dir)
        let fromCert = try await OpenSSLTool.run(["x509", "-in", certPath, "-noout", "-pubkey"], in: dir)
        #expect(fromKey.stdout == fromCert.stdout)

        // And a CSR the PKI makes passes openssl's own signature check.
        let ours = try dir.write("ours.csr", CertificateSigningRequest(commonName: "grace", key: PrivateKey.generate()).pem)
        let checked = try await OpenSSLTool.run(["req", "-in", ours, "-noout", "-verify"], in: dir)
        #expect(checked.status == 0)
        #expect(checked.output.contains("verify OK"))
    }
}
