import Foundation
import OverlayCore
import OverlayProtocol
import OverlayTLS
import Testing

/// A node whose enrollment answer was lost asks again with the same key.
@Suite("Enrollment retry", .timeLimit(.minutes(5)))
struct EnrollmentRetryTests {
    @Test("the same name with the same key gets the stored certificate back, spending no use; another key is name_taken")
    func retryWithTheSameKey() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 1)
            let client = controller.enrollment(token)
            let key = try PrivateKey.generate()

            func attempt(_ key: PrivateKey) async throws -> Reply {
                try await Connect.with(client.connect) { connection in
                    let nonce = try await client.nonce(on: connection)
                    return try await client.submit(try client.request(name: "alice", nonce: nonce.nonce, key: key), on: connection)
                }
            }

            let first = try await attempt(key).expect(EnrollResponse.self)
            #expect(try await controller.control.token(token.id)?.usesLeft == 0)
            let stored = try await controller.control.storedState()

            // The token is used up, yet the repeat succeeds: it grants nothing new.
            let again = try await attempt(key).expect(EnrollResponse.self)
            #expect(again.certificate == first.certificate)
            #expect(again.overlayIP == first.overlayIP)
            #expect(try await controller.control.storedState() == stored, "a repeat stores nothing")

            // A different key under the same name is someone else: name_taken, with a token that has uses left.
            let (other, _) = try await controller.control.createToken(uses: 1)
            let refusal = try await #require(throws: Refusal.self) { try await controller.enrollment(other).enroll("alice") }
            #expect(refusal.code == "name_taken")
            #expect(try await controller.control.token(other.id)?.usesLeft == 1)
        }
    }
}
