import Foundation
import NIOConcurrencyHelpers
@testable import OverlayNode
import Testing

/// The out-of-turn roster fetch a node makes when a peer presents a certificate
/// its roster does not list: callers share fetches, but never get an answer
/// fetched before they asked.
@Suite("roster refresher")
struct RosterRefresherTests {
    /// A fetch that counts itself and waits until the test lets it finish.
    final class Gate: Sendable {
        let fetches = NIOLockedValueBox(0)
        let open = NIOLockedValueBox(false)
        func fetch() async {
            fetches.withLockedValue { $0 += 1 }
            while !open.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    @Test("callers that arrive together share one fetch")
    func concurrentCallersShare() async throws {
        let gate = Gate()
        gate.open.withLockedValue { $0 = true }
        let refresher = RosterRefresher(minimumGap: .zero)
        await refresher.install { await gate.fetch() }
        await refresher.refresh()
        #expect(gate.fetches.withLockedValue { $0 } == 1)
        await refresher.refresh()
        #expect(gate.fetches.withLockedValue { $0 } == 2, "a later caller gets a fetch of its own")
    }

    @Test("a caller arriving while a fetch runs waits for a new fetch, not the one begun before it asked")
    func lateCallerGetsFreshFetch() async throws {
        let gate = Gate()
        let refresher = RosterRefresher(minimumGap: .milliseconds(50))
        await refresher.install { await gate.fetch() }
        let first = Task { await refresher.refresh() }
        while gate.fetches.withLockedValue({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { await refresher.refresh() }
        let third = Task { await refresher.refresh() }
        try await Task.sleep(for: .milliseconds(20))
        gate.open.withLockedValue { $0 = true }
        await first.value
        await second.value
        await third.value
        // Two when both late callers were in before the first fetch ended (the usual case), three on a slow machine;
        // one would mean they were handed the answer begun before they asked.
        #expect((2...3).contains(gate.fetches.withLockedValue { $0 }), "the late callers got a fetch begun after they asked")
    }
}
