import Foundation
import OverlayCore
import OverlayProtocol
import OverlayTLS
import Testing

/// Flow 1 succeeding: what a node gets back and what the controller keeps.
@Suite("Enrollment", .timeLimit(.minutes(5)))
struct EnrollmentTests {
    @Test("a one-use token enrolls once; the second use is refused with token_used_up and stores nothing")
    func oneUseTokenEnrollsOnce() async throws {
        try await withController { controller in
            let (token, info) = try await controller.control.createToken(uses: 1)
            #expect(info.usesLeft == 1)
            let client = controller.enrollment(token)

            let alice = try await client.enroll("alice")
            #expect(alice.name == "alice")
            #expect(try await controller.control.token(token.id)?.usesLeft == 0)
            let before = try await controller.control.storedState()
            #expect(before.nodes.map(\.name) == ["alice"])

            let refusal = try await #require(throws: Refusal.self) { try await client.enroll("bob") }
            #expect(refusal.code == "token_used_up")
            #expect(refusal.status == 401)
            #expect(refusal.isJSON)
            #expect(refusal.message.contains(token.id))
            #expect(try await controller.control.storedState() == before, "a refused enrollment must store nothing")
        }
    }

    @Test("the certificate binds the name and overlay IP and chains to the CA whose fingerprint is in the token")
    func certificateBindsNameAndIP() async throws {
        try await withController(.init(network: "10.77.0.0/24")) { controller in
            let (token, _) = try await controller.control.createToken()
            #expect(token.controllers == ["127.0.0.1:\(controller.port)"])
            #expect(token.caFingerprint == controller.ca.fingerprint)

            // The CSR asks for another subject; the controller must sign only what it grants.
            let node = try await controller.enrollment(token).enroll("alice", csrName: "mallory")
            let cert = node.certificate
            #expect(node.network == "10.77.0.0/24")
            #expect(node.overlayIP == "10.77.0.1", "the first node gets the lowest host address")
            #expect(cert.commonName == "alice")
            #expect(cert.dnsNames == ["alice"])
            #expect(cert.ipAddresses == [node.overlayIP])
            #expect(!cert.isCA)
            #expect(node.key.matches(cert), "the certificate carries the node's own public key")

            #expect(node.ca.fingerprint == token.caFingerprint)
            #expect(node.ca == controller.ca)
            #expect(node.ca.isCA)
            try CertificateVerifier.verify(cert, chainsTo: node.ca)
            let stranger = try CertificateAuthority.create(commonName: "some other network")
            #expect(throws: PKIError.self) { try CertificateVerifier.verify(cert, chainsTo: stranger.certificate) }

            let stored = try #require(try await controller.control.node("alice"))
            #expect(stored.overlayIP == node.overlayIP)
            #expect(stored.fingerprint == cert.fingerprint)
            #expect(stored.active == false, "registered, but not active before its first heartbeat")
            #expect(try await controller.control.status().registeredNodes == 1)
        }
    }

    @Test("a multi-use token enrolls several nodes with distinct addresses; a requested free IP is granted")
    func severalNodesGetDistinctAddresses() async throws {
        try await withController(.init(network: "10.77.0.0/24")) { controller in
            let (token, info) = try await controller.control.createToken(uses: 3)
            #expect(info.usesLeft == 3)
            let client = controller.enrollment(token)
            let a = try await client.enroll("alpha")
            let b = try await client.enroll("bravo", requestedIP: "10.77.0.200")
            let c = try await client.enroll("charlie")
            #expect(a.overlayIP == "10.77.0.1")
            #expect(b.overlayIP == "10.77.0.200")
            #expect(b.certificate.ipAddresses == ["10.77.0.200"])
            #expect(c.overlayIP == "10.77.0.2")
            #expect(Set([a, b, c].map(\.certificate.fingerprint)).count == 3)
            #expect(try await controller.control.token(token.id)?.usesLeft == 0)
            #expect(try await controller.control.roster().nodes.map(\.name) == ["alpha", "charlie", "bravo"],
                    "the listing is ordered by overlay IP")
        }
    }

    @Test("the join token is stored only as a verifier and the CA key only encrypted")
    func nothingSecretInPlainText() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 2)
            _ = try await controller.enrollment(token).enroll("alice")
            let secret = token.secretBytes
            var stored: [UInt8] = []
            for file in ["controller.db", "controller.db-wal"] {
                stored += FileManager.default.contents(atPath: controller.stateDir + "/" + file).map(Array.init) ?? []
            }
            #expect(!stored.isEmpty)
            #expect(!contains(stored, secret), "the raw token secret must not be in the database")
            #expect(!contains(stored, Array(token.secret.utf8)), "the encoded token secret must not be in the database")

            let caKey = readText(controller.stateDir + "/ca.key")
            #expect(caKey.contains("BEGIN ENCRYPTED PRIVATE KEY"))
            var st = stat()
            #expect(stat(controller.stateDir + "/ca.key", &st) == 0)
            #expect(st.st_mode & 0o077 == 0, "the CA key must be readable by its owner only")
            #expect(stat(controller.stateDir + "/controller.db", &st) == 0)
            #expect(st.st_mode & 0o077 == 0, "the database must be readable by its owner only")
        }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
