import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Names and overlay IPs a node may not have: taken, malformed, reserved,
/// outside the network. Each refusal spends no token use and stores nothing.
@Suite("Names and addresses", .timeLimit(.minutes(5)))
struct NameAndAddressTests {
    @Test("a name already registered is refused with name_taken, naming the name")
    func nameTaken() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken(uses: 5)
            let client = controller.enrollment(token)
            let first = try await client.enroll("alice")
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) { try await client.enroll("alice") }
            #expect(refusal.code == "name_taken")
            #expect(refusal.status == 409)
            #expect(refusal.message.contains("alice"))
            #expect(try await controller.control.storedState() == before)
            #expect(try await controller.control.token(token.id)?.usesLeft == 4)
            #expect(try await controller.control.node("alice")?.fingerprint == first.certificate.fingerprint,
                    "the registered node keeps its certificate")
        }
    }

    @Test("an overlay IP already registered is refused with ip_taken")
    func ipTaken() async throws {
        try await withController(.init(network: "10.77.0.0/24")) { controller in
            let (token, _) = try await controller.control.createToken(uses: 5)
            let client = controller.enrollment(token)
            _ = try await client.enroll("alice", requestedIP: "10.77.0.10")
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) { try await client.enroll("bob", requestedIP: "10.77.0.10") }
            #expect(refusal.code == "ip_taken")
            #expect(refusal.status == 409)
            #expect(refusal.message.contains("10.77.0.10"))
            #expect(try await controller.control.storedState() == before)
            #expect(try await controller.control.node("bob") == nil)
        }
    }

    @Test("an overlay IP outside the network, or its network or broadcast address, is refused with ip_out_of_range",
          arguments: ["10.78.0.5", "192.168.1.1", "10.77.0.0", "10.77.0.255"])
    func ipOutOfRange(ip: String) async throws {
        try await withController(.init(network: "10.77.0.0/24")) { controller in
            let (token, _) = try await controller.control.createToken(uses: 2)
            let before = try await controller.control.storedState()

            let refusal = try await #require(throws: Refusal.self) {
                try await controller.enrollment(token).enroll("alice", requestedIP: ip)
            }
            #expect(refusal.code == "ip_out_of_range")
            #expect(refusal.status == 400)
            #expect(refusal.message.contains(ip))
            #expect(refusal.message.contains("10.77.0.0/24"))
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("a requested IP that is not an IPv4 address is refused with invalid_ip", arguments: ["10.77.0", "fd00::1", "10.77.0.01"])
    func invalidIP(ip: String) async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let before = try await controller.control.storedState()
            let refusal = try await #require(throws: Refusal.self) {
                try await controller.enrollment(token).enroll("alice", requestedIP: ip)
            }
            #expect(refusal.code == "invalid_ip")
            #expect(refusal.status == 400)
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("a name that is not a valid node name is refused with invalid_name",
          arguments: ["Alice", String(repeating: "a", count: 64), "-alice", "alice-", "overlayd-x", "al_ice", "al.ice", ""])
    func invalidName(name: String) async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let before = try await controller.control.storedState()
            // The CSR's own subject is irrelevant (the controller ignores it), so keep it valid.
            let refusal = try await #require(throws: Refusal.self) {
                try await controller.enrollment(token).enroll(name, csrName: "node")
            }
            #expect(refusal.code == "invalid_name")
            #expect(refusal.status == 400)
            #expect(refusal.isJSON)
            #expect(!refusal.message.isEmpty)
            #expect(try await controller.control.storedState() == before)
        }
    }

    @Test("the longest valid name (63 characters) is accepted")
    func longestName() async throws {
        try await withController { controller in
            let name = String(repeating: "a", count: 62) + "1"
            let node = try await controller.enroll(name)[0]
            #expect(node.certificate.commonName == name)
        }
    }

    @Test("a CSR that is not a valid certificate request is refused with invalid_request")
    func badCSR() async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let client = controller.enrollment(token)
            let before = try await controller.control.storedState()
            let (refusal, _) = try await client.refusal { nonce, key in
                var request = try client.request(name: "alice", nonce: nonce, key: key)
                request.csr = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
                return request
            }
            #expect(refusal.code == "invalid_request")
            #expect(refusal.status == 400)
            #expect(try await controller.control.storedState() == before)
        }
    }
}
