import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The join proof and its nonce: a wrong token or an altered request fails
/// the proof; a nonce is good for exactly one attempt.
@Suite("Proof and nonce", .timeLimit(.minutes(5)))
struct ProofAndNonceTests {
    @Test("a proof made with the wrong secret is refused with bad_proof")
    func wrongSecret() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 2)
            let client = controller.enrollment(token)
            let before = try await controller.control.storedState()

            let (refusal, _) = try await client.refusal { nonce, key in
                try client.request(name: "alice", nonce: nonce, key: key, secret: Digest.randomBytes(32))
            }
            #expect(refusal.code == "bad_proof")
            #expect(refusal.status == 401)
            #expect(refusal.isJSON)
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("a request altered after it was proved is refused with bad_proof", arguments: ["name", "requestedIP", "csr", "tokenID"])
    func alteredRequest(field: String) async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 2)
            let (other, _) = try await controller.control.createToken(uses: 2)
            let client = controller.enrollment(token)
            let before = try await controller.control.storedState()

            let (refusal, _) = try await client.refusal { nonce, key in
                var request = try client.request(name: "alice", requestedIP: "10.77.0.9", nonce: nonce, key: key)
                switch field {
                case "name": request.name = "mallory"
                case "requestedIP": request.requestedIP = "10.77.0.10"
                case "csr": request.csr = try CertificateSigningRequest(commonName: "alice", key: try PrivateKey.generate()).pem
                default: request.tokenID = other.id
                }
                return request
            }
            #expect(refusal.code == "bad_proof", "altering \(field) must break the proof")
            #expect(refusal.status == 401)
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("a proof that is not hex is refused with bad_proof")
    func garbledProof() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let client = controller.enrollment(token)
            let before = try await controller.control.storedState()
            let (refusal, _) = try await client.refusal { nonce, key in
                var request = try client.request(name: "alice", nonce: nonce, key: key)
                request.proof = "not-a-proof"
                return request
            }
            #expect(refusal.code == "bad_proof")
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("replaying a request whose nonce was spent is refused with nonce_invalid")
    func replayedNonce() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 3)
            let client = controller.enrollment(token)
            try await Connect.with(client.connect) { connection in
                let nonce = try await client.nonce(on: connection).nonce
                let original = try client.request(name: "alice", nonce: nonce, key: try PrivateKey.generate())
                #expect(try await client.submit(original, on: connection).status == 201)
                let before = try await controller.control.storedState()

                // The captured request, byte for byte.
                let replay = Refusal(try await client.submit(original, on: connection))
                #expect(replay.code == "nonce_invalid")
                #expect(replay.status == 401)
                // A correctly proved request for a new name, reusing the spent nonce.
                let reuse = try client.request(name: "bob", nonce: nonce, key: try PrivateKey.generate())
                let refusal = Refusal(try await client.submit(reuse, on: connection))
                #expect(refusal.code == "nonce_invalid")
                #expect(try await controller.control.storedState() == before)
            }
        }
    }

    @Test("a nonce spent on a refused attempt cannot be used again, even with a good proof")
    func oneNonceOneAttempt() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 3)
            let client = controller.enrollment(token)
            try await Connect.with(client.connect) { connection in
                let nonce = try await client.nonce(on: connection).nonce
                let bad = try client.request(name: "alice", nonce: nonce, key: try PrivateKey.generate(), secret: Digest.randomBytes(32))
                #expect(Refusal(try await client.submit(bad, on: connection)).code == "bad_proof")
                let before = try await controller.control.storedState()

                let good = try client.request(name: "alice", nonce: nonce, key: try PrivateKey.generate())
                let refusal = Refusal(try await client.submit(good, on: connection))
                #expect(refusal.code == "nonce_invalid")
                #expect(try await controller.control.storedState() == before)
            }
        }
    }

    @Test("a nonce the controller never issued is refused with nonce_invalid")
    func inventedNonce() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let client = controller.enrollment(token)
            let before = try await controller.control.storedState()
            let request = try client.request(name: "alice", nonce: Base64URL.encode(Digest.randomBytes(24)), key: try PrivateKey.generate())
            let reply = try await Connect.with(client.connect) { try await client.submit(request, on: $0) }
            #expect(Refusal(reply).code == "nonce_invalid")
            #expect(try await controller.control.storedState() == before)
        }
    }
}
