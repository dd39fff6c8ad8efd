import Foundation
import OverlayProtocol
import OverlayTLS

/// Join tokens: made here, printed once, stored only as a verifier.
public struct TokenService: Sendable {
    let store: any ControllerStore
    let controllers: [String]
    /// New tokens pin the CA that signs now; after a CA rotation, the new one.
    let ca: NetworkCA

    public func create(ttl: TimeInterval, uses: Int, name: String?, now: Date = Date()) throws -> TokenCreated {
        let id = Digest.hex(Digest.randomBytes(8))
        let secret = Digest.randomBytes(32)
        let record = TokenRecord(id: id, name: name, verifier: JoinProof.verifier(secret: secret), createdAt: now,
                                 expiresAt: now.addingTimeInterval(ttl), usesLeft: uses, revoked: false)
        try store.insertToken(record)
        let token = JoinToken(controllers: controllers, caFingerprint: ca.certificate.fingerprint, id: id, secret: Base64URL.encode(secret))
        return TokenCreated(token: token.encoded, info: Self.info(record))
    }

    public func list() throws -> [TokenInfo] { try store.tokens().map(Self.info) }

    public func revoke(id: String) throws -> Bool { try store.revokeToken(id: id) }

    static func info(_ r: TokenRecord) -> TokenInfo {
        TokenInfo(id: r.id, name: r.name, createdAt: r.createdAt, expiresAt: r.expiresAt, usesLeft: r.usesLeft, revoked: r.revoked)
    }
}
