/// The join-token proof of flow 1. The node never sends its token secret:
/// it derives the token's verifier key with HKDF and sends an HMAC over the
/// controller's single-use nonce and every field of its request. The
/// controller stores only the verifier (a one-way function of the secret),
/// so its database never holds a usable token string, and a captured proof
/// is worthless once its nonce is spent.
public enum JoinProof {
    static let salt = Array("overlayd join token".utf8)
    static let info = Array("overlayd join token verifier v1".utf8)

    /// The value the controller stores for a token secret.
    public static func verifier(secret: [UInt8]) -> [UInt8] {
        Digest.hkdfSHA256(key: secret, salt: salt, info: info, length: 32)
    }

    /// The proof over one request, hex.
    public static func proof(verifier: [UInt8], tokenID: String, nonce: String, name: String,
                             requestedIP: String?, csrPEM: String) -> String {
        Digest.hex(Digest.hmacSHA256(key: verifier, message: message(tokenID: tokenID, nonce: nonce, name: name,
                                                                      requestedIP: requestedIP, csrPEM: csrPEM)))
    }

    /// Constant-time check of a received proof.
    public static func verify(proof: String, verifier: [UInt8], tokenID: String, nonce: String, name: String,
                              requestedIP: String?, csrPEM: String) -> Bool {
        guard let received = Digest.fromHex(proof) else { return false }
        let expected = Digest.hmacSHA256(key: verifier, message: message(tokenID: tokenID, nonce: nonce, name: name,
                                                                          requestedIP: requestedIP, csrPEM: csrPEM))
        return Digest.constantTimeEqual(received, expected)
    }

    /// Length-prefixed fields, so no two different requests share a message.
    static func message(tokenID: String, nonce: String, name: String, requestedIP: String?, csrPEM: String) -> [UInt8] {
        var out = Array("overlayd-enroll-v1".utf8)
        for field in [tokenID, nonce, name, requestedIP ?? "", Digest.hex(Digest.sha256(Array(csrPEM.utf8)))] {
            let bytes = Array(field.utf8)
            let n = UInt32(bytes.count)
            out += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
            out += bytes
        }
        return out
    }
}
