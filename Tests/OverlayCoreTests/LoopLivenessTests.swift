import Foundation
import Logging
import NIOPosix
import OverlayCore
import OverlayProtocol
@testable import OverlayNode
import OverlayTLS
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The node's periodic loops against parties that are not there (a closed
/// loopback port): their stamps must keep the watchdog content through the
/// pause they take, and must exist at all, so a wedged round would be seen.
/// The Liveness clock stands still, so every stamp is made at `clock.seconds`
/// and `late(at:)` shows what each loop promised.
@Suite("loop liveness")
struct LoopLivenessTests {
    /// A loopback port nothing listens on: bound, read, closed.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func anonymousClient() throws -> TLSContextBox {
        TLSContextBox(try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .pinnedCAFingerprint("00"), clientAuthentication: .none)))
    }

    /// Waits (generously) until `holds` is true of the loop's stamps.
    static func waitForPromise(_ what: String, _ holds: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !holds() {
            try #require(ContinuousClock.now < deadline, "\(what)")
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("while the controller is unreachable the poller promises to be back after its backoff, no sooner and not much later")
    func backoffIsCoveredByThePromise() async throws {
        let interval: TimeInterval = 1000
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        let context = try Self.anonymousClient()
        let client = ControllerClient(addresses: [HostPort(host: "127.0.0.1", port: try Self.closedPort())], context: context,
                                      group: MultiThreadedEventLoopGroup.singleton)
        let timers = NodeTimers(.init(rosterInterval: interval, pingInterval: 5, pingTimeout: 5, reportRTTFloor: 0.001))
        let book = PeerHealthBook(forgetAfter: 3600)
        let cache = RosterCache()
        let poller = RosterPoller(client: client, cache: cache, timers: timers, advertise: nil, listenPort: 7444,
                                  logger: Self.quiet,
                                  reporter: HealthReporter(book: book, timers: timers), liveness: liveness) { _ in }
        let task = Task { await poller.run() }
        defer { task.cancel() }

        // Before the first poll the poller promises its connect budget plus the call timeout (well under
        // 800 s); once the poll has failed it sleeps 0.8–1.2 × interval and must promise that. Seen from
        // 799 s on, only that promise holds.
        let start = clock.seconds
        let backoffSeen = start + 0.8 * interval + Liveness.slack - 1
        try await Self.waitForPromise("the poller never promised to be back after its backoff") {
            liveness.late(at: backoffSeen).isEmpty && !liveness.late(at: start + 1e9).isEmpty
        }
        #expect(cache.snapshot.entries.isEmpty, "no roster from a closed port")
        #expect(liveness.late().isEmpty, "nothing is late now")
        // It did stamp, and not a promise far beyond the backoff: a poll wedged past 1.2 × interval + slack is seen.
        #expect(liveness.late(at: start + 1.2 * interval + Liveness.slack + 1).map(\.loop) == [RosterPoller.loopName])
        task.cancel()
        await task.value
        #expect(liveness.late(at: start + 1e9).isEmpty, "a stopped poller retires its stamp")
    }

    @Test("after a round with an unreachable peer the ping loop promises to be back after its pause, no sooner and not much later")
    func pausedRoundIsCoveredByThePromise() async throws {
        let interval: TimeInterval = 1000
        let timeout: TimeInterval = 5
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        let roster = RosterCache()
        let peer = RosterEntry(name: "bob", overlayIP: "100.64.0.3", endpoint: "127.0.0.1:\(try Self.closedPort())", fingerprint: "ab")
        _ = roster.update(version: "1", entries: [peer])
        let book = PeerHealthBook(forgetAfter: 3600)
        let scheduler = PingScheduler(name: "alice", roster: roster, book: book, context: try Self.anonymousClient(),
                                      group: MultiThreadedEventLoopGroup.singleton,
                                      timers: NodeTimers(.init(rosterInterval: 10, pingInterval: interval, pingTimeout: timeout,
                                                               reportRTTFloor: 0.001)),
                                      mode: .persistent, liveness: liveness, logger: Self.quiet)
        let began = ContinuousClock.now
        let task = Task { await scheduler.run() }
        defer { task.cancel() }

        // During the round it promises the exchange timeout; after it, the rest of the interval.
        let start = clock.seconds
        let pauseSeen = start + timeout + Liveness.slack + 1
        try await Self.waitForPromise("the ping loop never promised to be back after its pause") {
            liveness.late(at: pauseSeen).isEmpty && !liveness.late(at: start + 1e9).isEmpty
        }
        #expect(book.healthByPeer()["bob"]?.state == .down, "the round reached the dead peer")
        // The pause is the interval less the round's real duration (longer on a slow or sanitized build).
        let round = began.duration(to: .now)
        let roundSeconds = Double(round.components.seconds) + Double(round.components.attoseconds) / 1e18
        #expect(liveness.late(at: start + interval + Liveness.slack - 1 - roundSeconds).isEmpty, "the promise covers the whole pause")
        #expect(liveness.late(at: start + interval + Liveness.slack + 1).map(\.loop) == [PingScheduler.loopName],
                "a round wedged past the interval + slack is seen")
        task.cancel()
        await task.value
        #expect(liveness.late(at: start + 1e9).isEmpty, "a stopped ping loop retires its stamp")
    }
}
