import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// A controller that accepts connections but never answers (SIGSTOP): every
    /// call a node makes to it gives up within the bound the node names. The node
    /// measures each failed call itself (`elapsed_ms` on its log line); the test
    /// allows 2 s over the bound for a loaded machine, while closing the TLS
    /// connection as before (waiting 3 s for the frozen controller's close_notify)
    /// always went at least 3 s over.
    @Suite("frozen controller")
    struct FrozenControllerTests {
        /// The last line of `log` with `event=EVENT`.
        static func line(_ log: String, event: String) -> String? {
            log.split(separator: "\n").last { $0.contains("event=\(event) ") || $0.hasSuffix("event=\(event)") }.map(String.init)
        }

        /// The `elapsed_ms` a node gave on `line`.
        static func elapsedMs(_ line: String) -> Int? {
            guard let range = line.range(of: "elapsed_ms=") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }

        @Test("a roster poll and a leave to a frozen controller give up within their bounds, and the node says which bound")
        func callsKeepTheirBounds() async throws {
            try await Cluster.with("frozen") { cluster in
                let controller = try await cluster.startController()
                // alice polls every second (so each poll is bounded by 1 s); bob polls every minute, so
                // when it stops its leave goes over its open keep-alive connection, not during a poll.
                let alice = try await cluster.startNode("alice")
                let bob = try await cluster.startNode("bob", extraArguments: ["--roster-interval", "60s"])
                _ = try await cluster.waitActive(["alice", "bob"])

                controller.process.signal(SIGSTOP)
                var frozen = true
                defer { if frozen { controller.process.signal(SIGCONT) } }

                let stopping = ContinuousClock.now
                let exit = try await cluster.stop(bob)
                let stopTook = ContinuousClock.now - stopping
                #expect(exit.normalExit && exit.code == 0, "bob stops cleanly: \(exit)")
                let leave = try #require(Self.line(bob.log, event: "leave-failed"), "bob says it could not leave: \(bob.log)")
                #expect(leave.contains("error=no answer to POST /v1/leave within 2s"), "\(leave)")
                let leaveMs = try #require(Self.elapsedMs(leave), "bob says how long it waited: \(leave)")
                #expect(leaveMs < 2000 + 2000, "the leave gave up after \(leaveMs) ms, bound 2 s")

                let lost = try await eventually("alice reports the controller lost") {
                    guard let line = Self.line(alice.log, event: "controller-lost") else { throw NotYet("no controller-lost line yet") }
                    return line
                }
                #expect(lost.contains("error=no answer to POST /v1/roster within 1s"), "\(lost)")
                let pollMs = try #require(Self.elapsedMs(lost), "alice says how long it waited: \(lost)")
                #expect(pollMs < 1000 + 2000, "the poll gave up after \(pollMs) ms, bound 1 s")
                print("frozen controller: roster poll gave up after \(pollMs) ms (bound 1 s); leave after \(leaveMs) ms (bound 2 s); "
                      + "bob's whole stop took \(stopTook)")

                // Thawed, the controller is found again by itself.
                controller.process.signal(SIGCONT)
                frozen = false
                try await eventually("alice finds the controller again") {
                    guard try await alice.ctl.nodeStatus().controllerReachable else { throw NotYet("still unreachable") }
                }
            }
        }
    }
}
