import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The endpoints after enrollment need a registered node's current
/// certificate: none gets 401, a removed or replaced one gets 403.
@Suite("Client certificates", .timeLimit(.minutes(5)))
struct ClientCertificateTests {
    @Test("no client certificate: 401 client_certificate_required", arguments: Endpoint.authenticated)
    func noCertificate(endpoint: Endpoint) async throws {
        try await withController { controller in
            _ = try await controller.enroll("alice")
            let before = try await controller.control.roster()
            let anonymous = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)

            let reply = try await endpoint.call(anonymous)
            #expect(reply.status == 401)
            #expect(reply.contentType?.hasPrefix("application/json") == true)
            #expect(reply.apiError?.error == "client_certificate_required")
            #expect(reply.apiError?.message.contains("--cert") == true, "the message tells the operator what to send")
            let after = try await controller.control.roster()
            #expect(after.nodes == before.nodes)
            #expect(after.version == before.version)
        }
    }

    @Test("enrollment needs no client certificate")
    func enrollmentWithoutCertificate() async throws {
        try await withController { controller in
            let anonymous = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)
            let nonce = try await Endpoint.nonce.call(anonymous).expect(NonceResponse.self)
            #expect(!nonce.nonce.isEmpty)
            #expect(nonce.expiresAt > Date().addingTimeInterval(-1))
            #expect(try await Endpoint.health.call(anonymous).status == 200)
        }
    }

    @Test("a removed node's certificate: 403 on every endpoint, and it leaves the roster at once",
          arguments: Endpoint.authenticated)
    func removedNode(endpoint: Endpoint) async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alice", "bob")
            let (alice, bob) = (nodes[0], nodes[1])
            _ = try await controller.client(alice).roster(listenPort: 7001)
            _ = try await controller.client(bob).roster(listenPort: 7002)

            let removed = try await controller.control.removeNode("alice")
            #expect(removed.status == 200)
            #expect(try removed.decode(NodeRemoved.self).name == "alice")
            #expect(try await controller.control.roster().nodes.map(\.name) == ["bob"])
            #expect(try await controller.client(bob).roster(listenPort: 7002).nodes?.map(\.name) == ["bob"])
            let before = try await controller.control.roster()

            let reply = try await endpoint.call(try controller.client(alice))
            #expect(reply.status == 403)
            #expect(reply.apiError?.error == "unknown_certificate")
            #expect(reply.apiError?.message.contains("alice") == true)
            let after = try await controller.control.roster()
            #expect(after.nodes == before.nodes)
            #expect(after.version == before.version)
        }
    }

    @Test("after a removed name enrolls again, only the new certificate is accepted")
    func reenrolledName() async throws {
        try await withController { controller in
            let old = try await controller.enroll("alice")[0]
            #expect(try await controller.control.removeNode("alice").status == 200)
            let new = try await controller.enroll("alice")[0]
            #expect(new.certificate.fingerprint != old.certificate.fingerprint)
            #expect(new.overlayIP == old.overlayIP, "the freed address is the lowest free one again")

            let stale = try await Endpoint.postRoster.call(try controller.client(old))
            #expect(stale.status == 403)
            #expect(stale.apiError?.error == "unknown_certificate")
            #expect(try await controller.control.node("alice")?.active == false)

            let roster = try await controller.client(new).roster(listenPort: 7001)
            #expect(roster.nodes?.map(\.fingerprint) == [new.certificate.fingerprint])
        }
    }
}
