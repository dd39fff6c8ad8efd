#ifndef COVERLAY_OPENSSL_SHIM_H
#define COVERLAY_OPENSSL_SHIM_H

/* Every deprecated OpenSSL call becomes a compile error: overlayd uses the
 * OpenSSL 3 API only. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <string.h>

/* Static inline wrappers for what OpenSSL exposes as macros, and a few
 * helpers that would need C unions or varargs from Swift. Nothing here
 * holds logic of its own. */

static inline int overlay_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) {
    return (int)SSL_CTX_set_min_proto_version(ctx, v);
}
static inline int overlay_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) {
    return (int)SSL_CTX_set_max_proto_version(ctx, v);
}
static inline long overlay_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline int overlay_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}
static inline int overlay_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *x) {
    return (int)SSL_CTX_add0_chain_cert(ctx, x);
}
/* Options for every overlayd context: no renegotiation, server picks the cipher. */
static inline void overlay_SSL_CTX_set_overlay_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}
static inline int overlay_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline int overlay_SSL_get_ex_new_index(void) {
    return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}
static inline long overlay_BIO_set_mem_eof_return(BIO *b, long v) {
    return BIO_set_mem_eof_return(b, v);
}
static inline size_t overlay_BIO_ctrl_pending(BIO *b) {
    return BIO_ctrl_pending(b);
}
static inline void overlay_OPENSSL_free(void *p) {
    OPENSSL_free(p);
}
static inline unsigned long overlay_OPENSSL_VERSION_NUMBER(void) {
    return OPENSSL_VERSION_NUMBER;
}
static inline int overlay_sk_X509_num(const STACK_OF(X509) *sk) {
    return sk_X509_num(sk);
}
static inline X509 *overlay_sk_X509_value(const STACK_OF(X509) *sk, int i) {
    return sk_X509_value(sk, i);
}
static inline STACK_OF(X509) *overlay_sk_X509_new_null(void) {
    return sk_X509_new_null();
}
static inline int overlay_sk_X509_push(STACK_OF(X509) *sk, X509 *x) {
    return sk_X509_push(sk, x);
}
static inline void overlay_sk_X509_free(STACK_OF(X509) *sk) {
    sk_X509_free(sk);
}

/* Subject alternative names: copies the i-th DNS or IP entry into `out`.
 * Returns the entry type (GEN_DNS, GEN_IPADD) or -1 when there is no i-th
 * entry; other types return their type with outLen 0. */
static inline int overlay_x509_san_entry(X509 *cert, int index, unsigned char *out, size_t outCap, size_t *outLen) {
    *outLen = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) return -1;
    int type = -1;
    if (index < sk_GENERAL_NAME_num(names)) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, index);
        type = gn->type;
        const ASN1_STRING *s = NULL;
        if (gn->type == GEN_DNS) s = gn->d.dNSName;
        else if (gn->type == GEN_IPADD) s = gn->d.iPAddress;
        if (s != NULL) {
            int len = ASN1_STRING_length(s);
            if (len > 0 && (size_t)len <= outCap) {
                memcpy(out, ASN1_STRING_get0_data(s), (size_t)len);
                *outLen = (size_t)len;
            }
        }
    }
    GENERAL_NAMES_free(names);
    return type;
}

/* HKDF-SHA256 through the EVP_KDF API (OSSL_PARAM arrays are awkward from Swift). */
static inline int overlay_hkdf_sha256(const unsigned char *key, size_t keyLen,
                                      const unsigned char *salt, size_t saltLen,
                                      const unsigned char *info, size_t infoLen,
                                      unsigned char *out, size_t outLen) {
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL) return 0;
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (kctx == NULL) return 0;
    OSSL_PARAM params[5];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, keyLen);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltLen);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infoLen);
    params[4] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(kctx, out, outLen, params);
    EVP_KDF_CTX_free(kctx);
    return ok;
}

/* P-256 key generation (EVP_EC_gen is a varargs macro). */
static inline EVP_PKEY *overlay_generate_p256(void) {
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_group_name(ctx, "P-256") <= 0 ||
        EVP_PKEY_generate(ctx, &pkey) <= 0) {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* Adds one X.509v3 extension given in openssl.cnf syntax ("critical,CA:TRUE"). */
static inline int overlay_x509_add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    memset(&ctx, 0, sizeof(ctx));
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

#endif
