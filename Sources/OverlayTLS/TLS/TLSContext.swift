internal import COverlayOpenSSL

/// One immutable `SSL_CTX` per role, built once off the event loop and
/// shared by every connection. To rotate a certificate, build a new context
/// and swap the reference; live connections keep the old one.
public final class TLSContext: @unchecked Sendable {
    public enum Role: Sendable { case client, server }

    let ctx: OpaquePointer
    public let role: Role
    public let configuration: TLSConfiguration

    public init(role: Role, configuration: TLSConfiguration) throws {
        guard let ctx = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError.invalidConfiguration("SSL_CTX_new failed: \(OpenSSLErrorStack.drain())")
        }
        self.ctx = ctx
        self.role = role
        self.configuration = configuration
        // The system openssl.cnf is loaded by default: pin everything we rely on.
        guard overlay_SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1,
              overlay_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1,
              SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256") == 1,
              overlay_SSL_CTX_set1_groups_list(ctx, "X25519:P-256") == 1 else {
            throw TLSError.invalidConfiguration("cannot pin TLS 1.3 parameters: \(OpenSSLErrorStack.drain())")
        }
        overlay_SSL_CTX_set_overlay_options(ctx)
        _ = overlay_SSL_CTX_set_mode(ctx, Int(SSL_MODE_RELEASE_BUFFERS))
        // No resumption: every connection proves its certificate afresh.
        SSL_CTX_set_num_tickets(ctx, 0)

        if let leaf = configuration.certificateChain.first {
            guard let key = configuration.privateKey else {
                throw TLSError.invalidConfiguration("certificate \(leaf.commonName ?? "?") given without its private key")
            }
            guard SSL_CTX_use_certificate(ctx, leaf.x509) == 1, SSL_CTX_use_PrivateKey(ctx, key.pkey) == 1,
                  SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError.invalidConfiguration("the private key does not match certificate \(leaf.commonName ?? "?"): \(OpenSSLErrorStack.drain())")
            }
            for extra in configuration.certificateChain.dropFirst() {
                X509_up_ref(extra.x509)
                _ = overlay_SSL_CTX_add0_chain_cert(ctx, extra.x509)
            }
        } else if role == .server {
            throw TLSError.invalidConfiguration("a TLS server needs a certificate")
        }

        var mode = SSL_VERIFY_PEER
        switch configuration.trust {
        case .networkCAs(let cas):
            guard !cas.isEmpty else { throw TLSError.invalidConfiguration("no network CA to trust") }
            for ca in cas {
                guard let store = SSL_CTX_get_cert_store(ctx), X509_STORE_add_cert(store, ca.x509) == 1 else {
                    throw TLSError.invalidConfiguration("cannot load the network CA \(ca.commonName ?? "?"): \(OpenSSLErrorStack.drain())")
                }
            }
            if role == .server {
                switch configuration.clientAuthentication {
                case .required: mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                case .optional: break
                case .none: mode = SSL_VERIFY_NONE
                }
            }
            // The policy hook runs inside verification, so a refusal is a real
            // TLS alert to the peer rather than a silent close afterwards.
            SSL_CTX_set_verify(ctx, mode) { preverified, store in
                PolicyVerification.verify(preverified: preverified, store: store)
            }
        case .pinnedCAFingerprint:
            guard role == .client else {
                throw TLSError.invalidConfiguration("a pinned CA fingerprint is for clients bootstrapping trust")
            }
            // Verified after the handshake against the pinned CA found in the chain.
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER) { _, _ in 1 }
        }
    }

    deinit { SSL_CTX_free(ctx) }
}
