internal import COverlayOpenSSL

/// Runs a connection's `PeerPolicy` from OpenSSL's verify callback, on the
/// leaf, after the chain has verified. A refusal fails the handshake with
/// X509_V_ERR_APPLICATION_VERIFICATION, which OpenSSL turns into an alert, so
/// the peer learns it was refused instead of seeing the connection drop.
final class PolicyVerification {
    let policy: PeerPolicy
    /// Why the policy refused, read back when the handshake fails.
    var refusal: String?
    /// The certificate that failed for its dates, kept to say how far off the clocks are.
    var outOfDate: Certificate?

    init(policy: PeerPolicy) { self.policy = policy }

    /// The SSL ex_data slot holding each connection's `PolicyVerification`.
    static let exIndex: Int32 = overlay_SSL_get_ex_new_index()

    static func verify(preverified: Int32, store: OpaquePointer?) -> Int32 {
        guard let store else { return preverified }
        guard preverified == 1 else {
            let error = X509_STORE_CTX_get_error(store)
            if error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED,
               let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
               let boxPointer = SSL_get_ex_data(OpaquePointer(sslPointer), exIndex),
               let failing = X509_STORE_CTX_get_current_cert(store) {
                X509_up_ref(failing)
                Unmanaged<PolicyVerification>.fromOpaque(boxPointer).takeUnretainedValue().outOfDate = Certificate(taking: failing)
            }
            return preverified
        }
        guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
        guard let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
              let boxPointer = SSL_get_ex_data(OpaquePointer(sslPointer), exIndex),
              let leaf = X509_STORE_CTX_get_current_cert(store) else { return 1 }
        let box = Unmanaged<PolicyVerification>.fromOpaque(boxPointer).takeUnretainedValue()
        if let reason = box.policy.check(PeerIdentity(certificate: Certificate(borrowing: leaf))) {
            box.refusal = reason
            X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
            return 0
        }
        return 1
    }
}
