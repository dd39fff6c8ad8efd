import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    /// Requests NIO's HTTP decoder refuses before any route runs, sent raw over
    /// TLS by Python's ssl module to the real controller: each gets 400 with the
    /// documented `{error, message}` JSON and one bounded `request-refused` line
    /// in the controller's log, and the controller keeps serving.
    @Suite("malformed HTTP")
    struct MalformedHTTPTests {
        /// Each case on its own TLS connection (no client certificate, the CA checked) to
        /// argv[1]:argv[2] with CA file argv[3]; prints one JSON line per case: the status,
        /// the body and whether the server closed the connection after answering.
        static let client = #"""
        import json, select, socket, ssl, sys
        host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        ctx = ssl.create_default_context(cafile=ca); ctx.check_hostname = False
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        def head(*lines): return ("\r\n".join(lines) + "\r\n\r\n").encode()
        cases = [
            ("negative-content-length", head("POST /v1/roster HTTP/1.1", "Host: c", "Content-Length: -1")),
            ("huge-content-length", head("POST /v1/roster HTTP/1.1", "Host: c", "Content-Length: %d" % 2**70)),
            ("content-length-then-transfer-encoding",
             head("POST /v1/roster HTTP/1.1", "Host: c", "Content-Length: 5", "Transfer-Encoding: chunked") + b"0\r\n\r\n"),
            ("transfer-encoding-then-content-length",
             head("POST /v1/roster HTTP/1.1", "Host: c", "Transfer-Encoding: chunked", "Content-Length: 5") + b"0\r\n\r\n"),
            ("200kb-header-line", head("GET /v1/health HTTP/1.1", "Host: c", "X-Padding: " + "a" * 200_000)),
            ("non-ascii-path", b"GET /v1/h\xc3\xa9alth\xff HTTP/1.1\r\nHost: c\r\n\r\n"),
        ]
        for name, request in cases:
            s = ctx.wrap_socket(socket.create_connection((host, port), timeout=20))
            answer = b""
            try:
                # In slices, stopping once the server has answered: it stops reading when it refuses.
                for i in range(0, len(request), 16384):
                    s.sendall(request[i:i + 16384])
                    if select.select([s], [], [], 0.05)[0]: break
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    answer += chunk
                closed = True
            except (OSError, ssl.SSLError) as e:
                closed = "error: %s" % e
            finally:
                s.close()
            text = answer.decode("utf-8", "replace")
            status_line, _, rest = text.partition("\r\n")
            _, _, body = rest.partition("\r\n\r\n")
            print(json.dumps({"case": name, "status": status_line, "body": body, "closed": closed}), flush=True)
        """#

        struct Answer: Decodable {
            var `case`: String
            var status: String
            var body: String
            var closed: Bool?
        }

        @Test("a bad Content-Length, Content-Length with Transfer-Encoding, a 200 KB header line and non-ASCII bytes in the path get 400 JSON and one log line each")
        func refusedWithJSONAndLogged() async throws {
            try await Cluster.with("malformed") { cluster in
                let controller = try await cluster.startController()
                let python = try Tools.find("python3")
                let run = try await Command.run(python, ["-c", Self.client, controller.host, "\(controller.port)",
                                                         controller.stateDir + "/ca.crt"], limit: 120)
                try #require(run.succeeded, "\(run)")
                let answers = try run.stdout.split(separator: "\n").map {
                    try JSONDecoder().decode(Answer.self, from: Data($0.utf8))
                }
                #expect(answers.count == 6, "\(run.stdout)")
                let expected = [
                    "negative-content-length": "invalid_content_length",
                    "huge-content-length": "invalid_content_length",
                    "content-length-then-transfer-encoding": "invalid_transfer_encoding",
                    "transfer-encoding-then-content-length": "invalid_content_length",
                    "200kb-header-line": "header_too_large",
                    "non-ascii-path": "invalid_request_target",
                ]
                var messages: [String] = []
                for answer in answers {
                    #expect(answer.status == "HTTP/1.1 400 Bad Request", "\(answer.case): \(answer.status)")
                    #expect(answer.closed == true, "\(answer.case): the controller closes the connection after answering")
                    let error = try? OverlayJSON.decoder().decode(APIError.self, from: Data(answer.body.utf8))
                    #expect(error?.error == expected[answer.case], "\(answer.case): \(answer.body)")
                    if let error { messages.append(error.message) }
                }

                // One line per distinct refusal, saying what the answer said, not growing with the request (the same
                // refusal again from the same address within 10 s is counted, not logged again: RefusalFloodTests).
                let distinct = Set(messages).count
                try await eventually("the controller logs every refusal") {
                    let lines = controller.process.stderrText.split(separator: "\n").filter { $0.contains("event=request-refused") }
                    guard lines.count >= distinct else { throw NotYet("\(lines.count) request-refused lines") }
                }
                let lines = controller.process.stderrText.split(separator: "\n").filter { $0.contains("event=request-refused") }
                #expect(lines.count == distinct, "one line per distinct refusal: \(lines)")
                for message in messages {
                    #expect(lines.contains { $0.contains("error=\(message)") && $0.contains("status=400") }, "no line says: \(message)")
                }
                #expect(lines.allSatisfy { $0.utf8.count < 1024 }, "a line stays short: \(lines.map(\.utf8.count))")

                // And everyone else is still served.
                try await cluster.startNode("alice")
                _ = try await cluster.waitActive(["alice"])
            }
        }
    }
}
