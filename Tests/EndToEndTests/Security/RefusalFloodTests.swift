import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    /// A flood of hostile connections must not flood the journal: refusals are
    /// logged per address and reason at a bounded rate, with the count held
    /// back, and every one is counted in the metrics of the daemon that refused it.
    @Suite("refusal floods")
    struct RefusalFloodTests {
        /// `count` TCP connections to HOST:PORT, each sending bytes that are no TLS ClientHello, then closing.
        static let flood = """
            import socket, sys
            host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            for i in range(count):
                s = socket.create_connection((host, port), timeout=5)
                s.sendall(b"\\x16\\x03\\x01\\x00\\x05garbage, not a hello " + str(i).encode())
                try:
                    s.recv(4096)
                except Exception:
                    pass
                s.close()
            """

        static func lines(_ log: String, _ event: String) -> [Substring] {
            log.split(separator: "\n").filter { $0.contains("event=\(event)") }
        }

        @Test("300 garbage TLS connections to the controller and to a node's peer port: a line or two each, with the count held back, and every one counted")
        func garbageFlood() async throws {
            try await Cluster.with("refusal-flood") { cluster in
                let controller = try await cluster.startController()
                let alice = try await cluster.startNode("alice", extraArguments: ["--peer-handshake-rate", "100000/s"])
                let python = try Tools.find("python3")
                let alicePort = try #require(Int(try await alice.ctl.nodeStatus().listen.split(separator: ":").last ?? ""))

                for (port, label) in [(controller.port, "controller"), (alicePort, "alice")] {
                    let run = try await Command.run(python, ["-c", Self.flood, "127.0.0.1", "\(port)", "300"], limit: 120)
                    #expect(run.succeeded, "flood of \(label): \(run)")
                }

                let controllerMetrics = try await EndToEnd.MetricsTests.scrape(unixSocket: controller.socket)
                #expect(controllerMetrics.value("overlayd_controller_api_handshakes_refused_total") ?? 0 >= 300, "every refusal counted")
                let aliceMetrics = try await EndToEnd.MetricsTests.scrape(unixSocket: alice.socket)
                #expect(aliceMetrics.value("overlayd_node_peer_connections_refused_total", ["reason": "handshake_failed"]) ?? 0 >= 300,
                        "every refusal counted on the node too")

                // The flood takes a few seconds: one line, perhaps one more after 10 s saying how many were held back.
                let controllerLines = Self.lines(controller.process.stderrText, "tls-refused")
                #expect((1...3).contains(controllerLines.count), "the controller wrote \(controllerLines.count) lines for 300 refusals")
                let aliceLines = Self.lines(alice.log, "peer-refused")
                #expect((1...3).contains(aliceLines.count), "alice wrote \(aliceLines.count) lines for 300 refusals")

                // Held-back refusals are said with the next line: another burst after the interval.
                try await Task.sleep(for: .seconds(11))
                let again = try await Command.run(python, ["-c", Self.flood, "127.0.0.1", "\(controller.port)", "5"], limit: 60)
                #expect(again.succeeded)
                try await eventually("the next line says how many were held back") {
                    let lines = Self.lines(controller.process.stderrText, "tls-refused")
                    guard let last = lines.last, last.contains("held_back=") else { throw NotYet("\(lines.suffix(2))") }
                }
                // The daemons still serve.
                _ = try await cluster.startNode("bob")
                _ = try await cluster.waitActive(["alice", "bob"])
            }
        }
    }
}
