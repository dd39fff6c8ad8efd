internal import COverlayOpenSSL
import Foundation

/// Chain verification outside a TLS handshake: used when a node checks the
/// controller against the CA fingerprint of its token, and by operators'
/// tooling. Answers in the same words as the TLS handler.
public enum CertificateVerifier {
    /// The CA among `cas` that signed `leaf` itself, no intermediate between: during a CA
    /// rollover, which of the two CAs a node's certificate belongs to.
    public static func directIssuer(of leaf: Certificate, among cas: [Certificate]) -> Certificate? {
        cas.first { (try? verify(leaf, chainsTo: $0)) != nil }
    }

    /// Verifies that `leaf` chains to `ca` at `date`, with `intermediates` as untrusted helpers.
    public static func verify(_ leaf: Certificate, chainsTo ca: Certificate, intermediates: [Certificate] = [],
                              at date: Date? = nil) throws {
        guard let store = X509_STORE_new() else { throw PKIError.verificationFailed("X509_STORE_new failed") }
        defer { X509_STORE_free(store) }
        X509_STORE_add_cert(store, ca.x509)
        guard let ctx = X509_STORE_CTX_new() else { throw PKIError.verificationFailed("X509_STORE_CTX_new failed") }
        defer { X509_STORE_CTX_free(ctx) }
        let untrusted = overlay_sk_X509_new_null()
        defer { overlay_sk_X509_free(untrusted) }
        for c in intermediates { _ = overlay_sk_X509_push(untrusted, c.x509) }
        guard X509_STORE_CTX_init(ctx, store, leaf.x509, untrusted) == 1 else {
            throw PKIError.verificationFailed(OpenSSLErrorStack.drain().description)
        }
        if let date { X509_STORE_CTX_set_time(ctx, 0, time_t(date.timeIntervalSince1970)) }
        if X509_verify_cert(ctx) != 1 {
            let code = X509_STORE_CTX_get_error(ctx)
            _ = OpenSSLErrorStack.drain()
            let failing = X509_STORE_CTX_get_current_cert(ctx).map { x -> Certificate in X509_up_ref(x); return Certificate(taking: x) }
            // At this host's own time, a date failure is about the clocks; at a date the caller chose, it is not.
            if date == nil, let words = ClockTrouble.describe(code, certificate: failing) {
                throw PKIError.verificationFailed(words)
            }
            throw PKIError.verificationFailed(VerifyResult.describe(Int(code)))
        }
    }
}

/// Plain words for OpenSSL's X509_V_ERR codes.
enum VerifyResult {
    static func describe(_ code: Int) -> String {
        switch Int32(code) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return "certificate signed by unknown CA"
        case X509_V_ERR_CERT_HAS_EXPIRED: return "certificate expired"
        case X509_V_ERR_CERT_NOT_YET_VALID: return "certificate not yet valid"
        case X509_V_ERR_CERT_REVOKED: return "certificate revoked"
        case X509_V_ERR_INVALID_PURPOSE: return "certificate not valid for this purpose"
        default:
            if let s = X509_verify_cert_error_string(code) { return String(cString: s) }
            return "verify error \(code)"
        }
    }
}
