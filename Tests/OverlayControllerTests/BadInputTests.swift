import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Oversized and malformed requests get a clear JSON error, change nothing,
/// and the controller keeps serving everyone else.
@Suite("Bad input", .timeLimit(.minutes(5)))
struct BadInputTests {
    static let oversized = Array(repeating: UInt8(ascii: " "), count: 65 * 1024 + 1)

    @Test("a body over 64 KiB gets 413 JSON on the TLS API, and other clients are still served")
    func oversizedOnTLS() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let bravo = try controller.client(nodes[1])
            let before = try await controller.control.storedState()

            // bravo holds a keep-alive connection across the abuse.
            try await Connect.with(bravo.connect) { kept in
                let first = try await kept.send(.POST, "/v1/roster", json: RosterRequest(knownVersion: nil, advertise: nil, listenPort: 7002))
                #expect(first.status == 200)

                for endpoint in ["/v1/enroll", "/v1/roster", "/v1/enroll/nonce"] {
                    let reply = try await controller.client(nodes[0]).call(.POST, endpoint, body: Self.oversized)
                    #expect(reply.status == 413, "\(endpoint): \(reply)")
                    #expect(reply.contentType?.hasPrefix("application/json") == true)
                    #expect(reply.apiError?.error == "body_too_large")
                    #expect(reply.apiError?.message.contains("\(Self.oversized.count)") == true, "the message gives the size")
                    #expect(reply.apiError?.message.contains("65536") == true, "the message gives the limit")
                }

                let again = try await kept.send(.POST, "/v1/roster", json: RosterRequest(knownVersion: nil, advertise: nil, listenPort: 7002))
                #expect(again.status == 200, "the kept connection still works")
                #expect(try again.decode(RosterResponse.self).nodes?.map(\.name) == ["bravo"], "alpha's oversized heartbeat did not count")
            }
            #expect(try await controller.control.storedState() == before)
            _ = try await controller.enroll("charlie")
        }
    }

    @Test("a body over 64 KiB gets 413 JSON on the control socket and creates nothing")
    func oversizedOnControlSocket() async throws {
        try await withController { controller in
            let reply = try await controller.control.call(.POST, "/v1/tokens", body: Self.oversized)
            #expect(reply.status == 413)
            #expect(reply.apiError?.error == "body_too_large")
            #expect(try await controller.control.tokens().isEmpty)
            #expect(try await controller.control.status().registeredNodes == 0)
        }
    }

    @Test("malformed JSON gets 400 malformed_request on the TLS API and stores nothing",
          arguments: ["{not json", "[]", #"{"tokenID":"x"}"#, #"{"tokenID":1,"nonce":"x","name":"a","csr":"x","proof":"x"}"#, ""])
    func malformedEnroll(body: String) async throws {
        try await withController { controller in
            let (token, _) = try await controller.control.createToken()
            let before = try await controller.control.storedState()
            let client = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)
            let reply = try await client.call(.POST, "/v1/enroll", body: Array(body.utf8))
            #expect(reply.status == 400)
            #expect(reply.contentType?.hasPrefix("application/json") == true)
            #expect(reply.apiError?.error == "malformed_request")
            #expect(try await controller.control.storedState() == before)
            _ = try await controller.enrollment(token).enroll("alice")
        }
    }

    @Test("the missing or mistyped field is named in the message")
    func fieldNamed() async throws {
        try await withController { controller in
            let client = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)
            let missing = try await client.call(.POST, "/v1/enroll", body: Array(#"{"tokenID":"x","nonce":"x","name":"a","csr":"x"}"#.utf8))
            #expect(missing.apiError?.message.contains("proof") == true, "\(missing)")
            let mistyped = try await client.call(.POST, "/v1/enroll", body: Array(#"{"tokenID":"x","nonce":"x","name":7,"csr":"x","proof":"x"}"#.utf8))
            #expect(mistyped.apiError?.message.contains("name") == true, "\(mistyped)")
        }
    }

    @Test("a malformed heartbeat gets 400 and does not make the node active")
    func malformedHeartbeat() async throws {
        try await withController { controller in
            let node = try await controller.enroll("alpha")[0]
            let before = try await controller.control.roster()
            let reply = try await controller.client(node).call(.POST, "/v1/roster", body: Array(#"{"listenPort":"seven"}"#.utf8))
            #expect(reply.status == 400)
            #expect(reply.apiError?.error == "malformed_request")
            let after = try await controller.control.roster()
            #expect(after.nodes == before.nodes)
            #expect(after.version == before.version)
        }
    }

    @Test("malformed JSON on the control socket gets 400 and creates no token")
    func malformedTokenRequest() async throws {
        try await withController { controller in
            let reply = try await controller.control.call(.POST, "/v1/tokens", body: Array("{ttl: 60}".utf8))
            #expect(reply.status == 400)
            #expect(reply.apiError?.error == "malformed_request")
            #expect(try await controller.control.tokens().isEmpty)
        }
    }

    @Test("unknown paths and methods get JSON 404 and 405")
    func unknownRoutes() async throws {
        try await withController { controller in
            let client = try NodeClient(port: controller.port, anonymousTrusting: controller.ca)
            let missing = try await client.call(.GET, "/v1/nothing")
            #expect(missing.status == 404)
            #expect(missing.apiError?.error == "not_found")
            let wrongMethod = try await client.call(.DELETE, "/v1/enroll")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.apiError?.error == "method_not_allowed")
            let control = try await controller.control.call(.PUT, "/v1/tokens", body: Array("{}".utf8))
            #expect(control.status == 405)
        }
    }
}
