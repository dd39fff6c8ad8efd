import Foundation
import OverlayTLS

/// The passphrase the seed keys under corpus/pem were encrypted with (make-seeds.py).
let passphrase = Array("fuzz-passphrase".utf8)
let otherPassphrase = Array("another-passphrase".utf8)

/// The input as PEM text, through OpenSSL the way overlayd reads it: a certificate (the
/// CA and node certificates from enrollment, renewal, `POST /v1/nodes` and the state
/// directory), a chain, a certificate request (enrollment and renewal) and an encrypted
/// private key (the state directory). Besides not trapping or leaking (AddressSanitizer
/// checks both): everything read can be read back from the PEM overlayd writes for it, and
/// a key reads only when encrypted, so a second passphrase never opens it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    let certificate = try? Certificate(pem: text)
    if let certificate { check(certificate) }
    if let chain = try? Certificate.chain(pem: text) {
        chain.forEach(check)
        if let certificate, chain.first != certificate { fatalError("the chain does not start with the certificate") }
    }
    if let request = try? CertificateSigningRequest(pem: text) { check(request) }
    if let key = try? PrivateKey.load(pem: text, passphrase: passphrase) {
        if (try? PrivateKey.load(pem: text, passphrase: otherPassphrase)) != nil {
            fatalError("a key read with two passphrases: it was not encrypted")
        }
        if let certificate { _ = key.matches(certificate) }
    }
    return 0
}

/// Every field overlayd reads, and the PEM it writes, read back to the same certificate.
func check(_ certificate: Certificate) {
    _ = (certificate.commonName, certificate.issuerCommonName, certificate.dnsNames, certificate.ipAddresses,
         certificate.serial, certificate.notBefore, certificate.notAfter, certificate.allowsTLSClientAndServer,
         certificate.isCA, certificate.publicKeyDER, certificate.description)
    let again: Certificate
    do {
        again = try Certificate(pem: certificate.pem)
    } catch {
        fatalError("\(certificate) written as PEM does not read back: \(error)")
    }
    if again != certificate || again.der != certificate.der || again.fingerprint != certificate.fingerprint {
        fatalError("\(certificate) written as PEM reads back as \(again)")
    }
}

func check(_ request: CertificateSigningRequest) {
    _ = (request.commonName, request.publicKeyDER)
    let verified = (try? request.verifySignature()) != nil
    let again: CertificateSigningRequest
    do {
        again = try CertificateSigningRequest(pem: request.pem)
    } catch {
        fatalError("a request written as PEM does not read back: \(error)")
    }
    if again.pem != request.pem || again.commonName != request.commonName || again.publicKeyDER != request.publicKeyDER {
        fatalError("a request written as PEM reads back as another")
    }
    if ((try? again.verifySignature()) != nil) != verified { fatalError("a request's signature verifies only one way round") }
}
