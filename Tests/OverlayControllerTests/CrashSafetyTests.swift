import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The controller's state under crashes: SIGKILL at seeded random moments while
/// enrollments stream in. Whatever a node was told (201) must be there after the
/// restart, with the certificate it was given, and the database must always open.
@Suite("Crash safety", .timeLimit(.minutes(15)))
struct CrashSafetyTests {
    /// A small, seedable generator, so a failing run can be repeated exactly.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Enrolls `next()` names one after another until a call fails (the controller was killed).
    final class Stream: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [(name: String, fingerprint: String)] = []
        func record(_ name: String, _ fingerprint: String) { lock.withLock { acknowledged.append((name, fingerprint)) } }
        var all: [(name: String, fingerprint: String)] { lock.withLock { acknowledged } }
    }

    static let kills = 200

    @Test("200 SIGKILLs at seeded random moments during a stream of enrollments lose no acknowledged enrollment; the database always opens")
    func killsDuringEnrollments() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["OVERLAYD_CRASH_SEED"] ?? "") ?? UInt64.random(in: 1 ... .max)
        print("crash safety: seed \(seed) (OVERLAYD_CRASH_SEED=\(seed) repeats this run)")
        var random = SplitMix64(state: seed)
        try await withController(.init(network: "10.60.0.0/16", extraArguments: ["--enroll-rate", "100000/min"])) { controller in
            let uses = 20_000
            let (token, _) = try await controller.control.createToken(ttl: 3600, uses: uses)
            let stream = Stream()
            var counter = 0
            var attempted = 0
            for kill in 0 ..< Self.kills {
                let client = controller.enrollment(token)
                let first = counter
                let run = Task {
                    var n = first
                    while !Task.isCancelled {
                        let name = "n\(n)"
                        n += 1
                        do {
                            let node = try await client.enroll(name)
                            stream.record(name, node.certificate.fingerprint)
                        } catch {
                            return n
                        }
                    }
                    return n
                }
                // Anywhere from before the first request is answered to several enrollments in.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0 ... 120, using: &random)))
                try await controller.killAndRestart()
                counter = await run.value
                attempted = counter
                let listed = Dictionary(try await controller.control.roster().nodes.map { ($0.name, $0.fingerprint) },
                                        uniquingKeysWith: { a, _ in a })
                for (name, fingerprint) in stream.all where listed[name] != fingerprint {
                    Issue.record("kill \(kill + 1) (seed \(seed)): \(name) was told it enrolled with \(fingerprint.prefix(16)), the restarted controller lists \(listed[name].map { String($0.prefix(16)) } ?? "nothing")")
                }
            }
            // Every stored node spent exactly one use: nothing half-stored, nothing half-counted.
            let registered = try await controller.control.roster().nodes.count
            let left = try await controller.control.token(token.id)?.usesLeft
            #expect(left == uses - registered, "\(registered) nodes registered, \(left.map(String.init) ?? "?") uses left of \(uses)")
            #expect(registered >= stream.all.count && registered <= attempted)
            #expect(stream.all.count > Self.kills / 2, "the stream got enrollments through between kills: \(stream.all.count)")
            print("crash safety: \(Self.kills) kills, \(attempted) enrollments attempted, \(stream.all.count) acknowledged, \(registered) stored")
        }
    }
}
