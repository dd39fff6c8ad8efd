import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The APIs as an operator reaches them with plain curl: mutual TLS with
/// the node's files on the TLS API, --unix-socket on the control socket.
@Suite("curl", .timeLimit(.minutes(5)), .enabled(if: Binaries.tool("curl") != nil, "needs curl"))
struct CurlTests {
    static func curl(_ args: [String], in dir: TempDirectory) async throws -> (status: Int, body: String) {
        let result = try await ChildProcess.run(Binaries.tool("curl")!, ["-sS", "--max-time", "60", "-w", "\n%{http_code}"] + args,
                                                in: dir, tag: "curl")
        #expect(result.status == 0, "curl failed: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test("curl with the node's certificate and key: POST /v1/roster")
    func rosterWithCurl() async throws {
        try await withController { controller in
            let node = try await controller.enroll("alpha")[0]
            let files = try node.writeFiles(in: controller.dir)
            let url = "https://127.0.0.1:\(controller.port)/v1/roster"
            let tls = ["--cert", files.certificate, "--key", files.key, "--cacert", files.ca]

            let (status, body) = try await Self.curl(tls + ["-H", "content-type: application/json", "-d", #"{"listenPort":7301}"#, url],
                                                     in: controller.dir)
            #expect(status == 200, "\(body)")
            let reply = try Self.json(body)
            #expect(reply["unchanged"] as? Bool == false)
            let version = try #require(reply["version"] as? String)
            let nodes = try #require(reply["nodes"] as? [[String: Any]])
            #expect(nodes.count == 1)
            #expect(nodes.first?["name"] as? String == "alpha")
            #expect(nodes.first?["overlayIP"] as? String == node.overlayIP)
            #expect(nodes.first?["endpoint"] as? String == "127.0.0.1:7301")
            #expect(nodes.first?["fingerprint"] as? String == node.certificate.fingerprint)

            let (again, unchanged) = try await Self.curl(
                tls + ["-H", "content-type: application/json", "-d", #"{"knownVersion":"\#(version)","listenPort":7301}"#, url],
                in: controller.dir)
            #expect(again == 200)
            let short = try Self.json(unchanged)
            #expect(short["unchanged"] as? Bool == true)
            #expect(short["version"] as? String == version)
            #expect(short["nodes"] == nil)
            #expect(try await controller.control.node("alpha")?.active == true)
        }
    }

    @Test("curl without a client certificate gets 401 JSON that says what to send")
    func curlWithoutCertificate() async throws {
        try await withController { controller in
            let node = try await controller.enroll("alpha")[0]
            let files = try node.writeFiles(in: controller.dir)
            let (status, body) = try await Self.curl(["--cacert", files.ca, "-d", "{}", "https://127.0.0.1:\(controller.port)/v1/roster"],
                                                     in: controller.dir)
            #expect(status == 401)
            let error = try Self.json(body)
            #expect(error["error"] as? String == "client_certificate_required")
            #expect((error["message"] as? String)?.contains("curl --cert") == true)
        }
    }

    @Test("curl --unix-socket reads the roster and status and creates a token")
    func controlSocketWithCurl() async throws {
        try await withController(.init(network: "10.77.0.0/24")) { controller in
            let node = try await controller.enroll("alpha")[0]
            _ = try await controller.client(node).roster(listenPort: 7001)
            let socket = ["--unix-socket", controller.socketPath]

            let (status, body) = try await Self.curl(socket + ["http://localhost/v1/roster"], in: controller.dir)
            #expect(status == 200)
            let listing = try Self.json(body)
            #expect(listing["version"] is String)
            let nodes = try #require(listing["nodes"] as? [[String: Any]])
            #expect(nodes.map { $0["name"] as? String } == ["alpha"])
            #expect(nodes.first?["active"] as? Bool == true)
            #expect(nodes.first?["overlayIP"] as? String == node.overlayIP)
            #expect(nodes.first?["endpoint"] as? String == "127.0.0.1:7001")
            #expect(nodes.first?["registeredAt"] is String)

            let (statusCode, statusBody) = try await Self.curl(socket + ["http://localhost/v1/status"], in: controller.dir)
            #expect(statusCode == 200)
            let status2 = try Self.json(statusBody)
            #expect(status2["network"] as? String == "10.77.0.0/24")
            #expect(status2["caFingerprint"] as? String == controller.ca.fingerprint)
            #expect(status2["registeredNodes"] as? Int == 1)
            #expect(status2["activeNodes"] as? Int == 1)

            let (created, createdBody) = try await Self.curl(
                socket + ["-H", "content-type: application/json", "-d", #"{"ttlSeconds":600,"uses":2,"name":"rack 4"}"#,
                          "http://localhost/v1/tokens"], in: controller.dir)
            #expect(created == 201)
            let reply = try Self.json(createdBody)
            let token = try JoinToken(parsing: try #require(reply["token"] as? String))
            #expect(token.caFingerprint == controller.ca.fingerprint)
            #expect(token.controllers == ["127.0.0.1:\(controller.port)"])
            let info = try #require(reply["info"] as? [String: Any])
            #expect(info["usesLeft"] as? Int == 2)
            #expect(info["name"] as? String == "rack 4")
            #expect(try await controller.control.token(token.id)?.usesLeft == 2)
            _ = try await controller.enrollment(token).enroll("bravo")
        }
    }
}
