import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Per-source limits of a real controller, from two source addresses on the
/// loopback (127.0.0.2 misbehaves, 127.0.0.1 is everyone else): the
/// enrollment rate, connections per address, and the request read deadline.
@Suite("Per-source limits", .timeLimit(.minutes(5)))
struct SourceLimitTests {
    static let nonceRequest = "POST /v1/enroll/nonce HTTP/1.1\r\nHost: controller\r\nContent-Length: 0\r\n\r\n"
    static let health = "GET /v1/health HTTP/1.1\r\nHost: controller\r\n\r\n"
    static func enrollRequest(_ body: String) -> String {
        "POST /v1/enroll HTTP/1.1\r\nHost: controller\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test("an address over enroll-rate gets 429 with Retry-After and the JSON error on both endpoints, logged once; another address enrolls")
    func enrollRate() async throws {
        var options = ControllerProcess.Options()
        options.extraArguments = ["--enroll-rate", "3/min"]
        try await withController(options) { controller in
            let (token, _) = try await controller.control.createToken()
            let abuser = try await RawConnection.open(port: controller.port, from: "127.0.0.2", trusting: controller.ca)
            defer { Task { await abuser.close() } }
            for i in 0..<3 {
                let ok = try #require(try await abuser.exchange(Self.nonceRequest))
                #expect(ok.status == 200, "nonce \(i + 1) of 3: \(ok)")
            }
            for _ in 0..<20 {
                let limited = try #require(try await abuser.exchange(Self.nonceRequest), "a 429 keeps the connection")
                #expect(limited.status == 429, "\(limited)")
                #expect(limited.headers["content-type"]?.hasPrefix("application/json") == true)
                let retryAfter = try #require(limited.headers["retry-after"].flatMap(Int.init), "\(limited.headers)")
                #expect((1...20).contains(retryAfter), "3/min earns a nonce every 20 s: \(retryAfter)")
                let error = try OverlayJSON.decoder().decode(APIError.self, from: Data(limited.body.utf8))
                #expect(error.error == "rate_limited")
                #expect(error.message.contains("127.0.0.2") && error.message.contains("3/min"), "\(error.message)")
            }
            // Enrollment submissions have a budget of their own: three refusals on their merits, then 429.
            let bogus = #"{"tokenID":"\#(token.id)","nonce":"x","name":"mallory","csr":"x","proof":"x"}"#
            for _ in 0..<3 {
                let refused = try #require(try await abuser.exchange(Self.enrollRequest(bogus)))
                #expect(refused.status != 429 && refused.status >= 400, "\(refused)")
            }
            let limited = try #require(try await abuser.exchange(Self.enrollRequest(bogus)))
            #expect(limited.status == 429, "\(limited)")

            // Everyone else is not slowed: a whole enrollment from 127.0.0.1.
            let alice = try await controller.enrollment(token).enroll("alice")
            #expect(alice.name == "alice")

            let metrics = try await controller.control.call(.GET, "/metrics").text
            #expect(Self.value(metrics, #"overlayd_controller_rate_limited_total{route="/v1/enroll/nonce"}"#) == 20)
            #expect(Self.value(metrics, #"overlayd_controller_rate_limited_total{route="/v1/enroll"}"#) == 1)
            try await waitUntil("the controller logs the rate limit") { controller.logs.contains("event=rate-limited") }
            let lines = controller.logs.split(separator: "\n")
            #expect(lines.filter { $0.contains("event=rate-limited") }.count == 1, "21 refusals, one line a minute per address")
            #expect(lines.first { $0.contains("event=rate-limited") }?.contains("address=127.0.0.2") == true)
            #expect(!lines.contains { $0.contains("status=429") }, "no request-refused line per 429")
        }
    }

    @Test("a client trickling its request a byte at a time is disconnected at request-read-timeout while others are served; an idle keep-alive connection is not")
    func slowLoris() async throws {
        var options = ControllerProcess.Options()
        options.extraArguments = ["--request-read-timeout", "2s"]
        try await withController(options) { controller in
            let keptAlive = try await RawConnection.open(port: controller.port, from: "127.0.0.1", trusting: controller.ca)
            defer { Task { await keptAlive.close() } }
            #expect(try await keptAlive.exchange(Self.health)?.status == 200)

            let loris = try await RawConnection.open(port: controller.port, from: "127.0.0.2", trusting: controller.ca)
            defer { Task { await loris.close() } }
            let request = Array(Self.nonceRequest.utf8)
            let trickle = Task {
                var sent = 0
                for byte in request {
                    do { try await loris.send([byte]) } catch { break }
                    sent += 1
                    try? await Task.sleep(for: .milliseconds(250))
                }
                return sent
            }
            // Served meanwhile, from another connection.
            let (token, _) = try await controller.control.createToken()
            _ = try await controller.enrollment(token).enroll("alice")

            let sent = await trickle.value
            #expect(sent < request.count, "the controller hung up after \(sent) of \(request.count) bytes")
            #expect(!loris.isOpen)
            #expect(loris.received.isEmpty, "no answer to a request that never arrived: \(String(decoding: loris.received, as: UTF8.self))")

            // The kept-alive connection has been idle longer than the deadline, and still works.
            try await Task.sleep(for: .seconds(2))
            #expect(keptAlive.isOpen)
            #expect(try await keptAlive.exchange(Self.health)?.status == 200)

            let metrics = try await controller.control.call(.GET, "/metrics").text
            #expect(Self.value(metrics, "overlayd_controller_request_timeouts_total") == 1)
            try await waitUntil("the controller logs the timeout") { controller.logs.contains("event=request-timeout") }
            #expect(controller.logs.split(separator: "\n").contains { $0.contains("event=request-timeout") && $0.contains("127.0.0.2") })
        }
    }

    @Test("an address gets max-connections-per-source connections, more are closed at once; other addresses are served; a close frees a place")
    func connectionsPerSource() async throws {
        var options = ControllerProcess.Options()
        options.extraArguments = ["--max-connections-per-source", "3"]
        try await withController(options) { controller in
            var held: [RawConnection] = []
            defer {
                let all = held
                Task { for c in all { await c.close() } }
            }
            for i in 0..<3 {
                let c = try await RawConnection.open(port: controller.port, from: "127.0.0.2", trusting: controller.ca)
                held.append(c)
                #expect(try await c.exchange(Self.health)?.status == 200, "connection \(i + 1) of 3")
            }
            let fourth = try await RawConnection.open(port: controller.port, from: "127.0.0.2", trusting: controller.ca)
            #expect(try await fourth.exchange(Self.health) == nil, "closed without an answer")
            try await fourth.waitClosed()

            let other = try await RawConnection.open(port: controller.port, from: "127.0.0.1", trusting: controller.ca)
            #expect(try await other.exchange(Self.health)?.status == 200, "another address is served")
            await other.close()
            for c in held { #expect(try await c.exchange(Self.health)?.status == 200, "the held ones keep working") }

            await held.removeFirst().close()
            try await waitUntil("a place is free for 127.0.0.2 again") {
                let again = try await RawConnection.open(port: controller.port, from: "127.0.0.2", trusting: controller.ca)
                defer { Task { await again.close() } }
                return try await again.exchange(Self.health)?.status == 200
            }

            let metrics = try await controller.control.call(.GET, "/metrics").text
            #expect(Self.value(metrics, #"overlayd_controller_connections_refused_total{reason="source_limit"}"#) ?? 0 >= 1)
            #expect(Self.value(metrics, #"overlayd_controller_connections_refused_total{reason="listener_limit"}"#) == 0)
            try await waitUntil("the controller logs the refusal") { controller.logs.contains("event=connection-limit") }
            let line = controller.logs.split(separator: "\n").first { $0.contains("event=connection-limit") }
            #expect(line?.contains("scope=source") == true && line?.contains("max-connections-per-source") == true, "\(line ?? "")")
        }
    }

    /// The value of the series written exactly as `series` in a Prometheus text exposition.
    static func value(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
