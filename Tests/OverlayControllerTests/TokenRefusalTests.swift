import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Tokens that must not enroll anyone: expired, revoked, unknown. Each
/// refusal carries its code and leaves nodes and token uses as they were.
@Suite("Token refusals", .timeLimit(.minutes(5)))
struct TokenRefusalTests {
    @Test("an expired token is refused with token_expired")
    func expiredToken() async throws {
        try await withController { controller in
            let (token, info) = try await controller.control.createToken(ttl: 1, uses: 3)
            // The listing shows whole seconds; wait past the next one as well.
            let expired = info.expiresAt.addingTimeInterval(1.5)
            try await waitUntil("token \(token.id) to expire", interval: .milliseconds(100)) { Date() > expired }
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) { try await controller.enrollment(token).enroll("alice") }
            #expect(refusal.code == "token_expired")
            #expect(refusal.status == 401)
            #expect(refusal.message.contains(token.id))
            #expect(try await controller.control.storedState() == before)
            #expect(try await controller.control.token(token.id)?.usesLeft == 3)
        }
    }

    @Test("a revoked token is refused with token_revoked")
    func revokedToken() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 2)
            let revoked = try await controller.control.revokeToken(token.id)
            #expect(revoked.status == 200)
            #expect(try await controller.control.token(token.id)?.revoked == true)
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) { try await controller.enrollment(token).enroll("alice") }
            #expect(refusal.code == "token_revoked")
            #expect(refusal.status == 401)
            #expect(try await controller.control.storedState() == before)
            #expect(try await controller.control.token(token.id)?.usesLeft == 2)
        }
    }

    @Test("a token this controller never issued is refused with unknown_token")
    func unknownToken() async throws {
        try await withController { controller in
            let (real, _) = try await controller.control.createToken()
            let forged = JoinToken(controllers: real.controllers, caFingerprint: real.caFingerprint,
                                   id: "0123456789abcdef", secret: Base64URL.encode(Digest.randomBytes(32)))
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) { try await controller.enrollment(forged).enroll("alice") }
            #expect(refusal.code == "unknown_token")
            #expect(refusal.status == 401)
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("revoking or removing what does not exist is a 404 with a code")
    func unknownIDsOnTheControlSocket() async throws {
        try await withController { controller in
            let token = try await controller.control.revokeToken("feedfacefeedface")
            #expect(token.status == 404)
            #expect(token.apiError?.error == "unknown_token")
            let node = try await controller.control.removeNode("nobody")
            #expect(node.status == 404)
            #expect(node.apiError?.error == "unknown_node")
        }
    }

    @Test("token creation refuses a ttl or use count out of bounds and stores nothing",
          arguments: [(0.0, 1, "invalid_ttl"), (-5.0, 1, "invalid_ttl"), (400.0 * 86_400, 1, "invalid_ttl"),
                      (60.0, 0, "invalid_uses"), (60.0, 100_001, "invalid_uses")])
    func tokenCreationBounds(ttl: Double, uses: Int, code: String) async throws {
        try await withController { controller in
            let reply = try await controller.control.call(.POST, "/v1/tokens",
                                                          json: TokenCreateRequest(ttlSeconds: ttl, uses: uses, name: nil))
            #expect(reply.status == 400)
            #expect(reply.apiError?.error == code)
            #expect(try await controller.control.tokens().isEmpty)
        }
    }
}
