import Foundation
import OverlayController
import Testing

@Suite("nonce store")
struct NonceStoreTests {
    @Test("a nonce works once, not after it expired, and a full store refuses instead of evicting")
    func lifecycle() throws {
        let store = NonceStore(lifetime: 60, capacity: 3)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        let a = try #require(store.issue(now: t0))
        let b = try #require(store.issue(now: t0))
        let c = try #require(store.issue(now: t0))
        #expect(store.issue(now: t0) == nil, "full: refused")
        #expect(store.consume(a.nonce, now: t0))
        #expect(!store.consume(a.nonce, now: t0), "single use")
        #expect(store.issue(now: t0) != nil, "room again after one was used")
        #expect(store.consume(b.nonce, now: t0), "b was not evicted by the refused request")
        #expect(!store.consume(c.nonce, now: t0.addingTimeInterval(61)), "expired")
        let later = t0.addingTimeInterval(120)
        for _ in 0..<3 { #expect(store.issue(now: later) != nil, "expired nonces free their places") }
        #expect(!store.consume("never-issued", now: later))
    }
}
