import NIOCore
import OverlayCore
import Testing

/// The per-source token bucket, on an injected clock: nothing here sleeps.
@Suite struct SourceRateLimiterTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    static let a = SourceAddress(IPv4Address("198.18.0.1")!)
    static let b = SourceAddress(IPv4Address("198.18.0.2")!)

    func at(_ seconds: Double) -> NIODeadline { Self.t0 + .nanoseconds(Int64(seconds * 1e9)) }

    @Test("a source spends its whole budget at once, then waits; the wait is the time to earn one token")
    func burstThenRefused() {
        let limiter = SourceRateLimiter(limit: RateLimit(30, per: 60))
        for i in 0..<30 { #expect(limiter.admit(Self.a, now: at(0)) == .allowed, "request \(i + 1) of the burst") }
        let refused = limiter.admit(Self.a, now: at(0))
        #expect(refused == .refused(retryAfter: .seconds(2)), "30/min earns a token every 2 s")
        #expect(refused.retryAfterSeconds == 2)
        #expect(limiter.admit(Self.a, now: at(1.5)).retryAfterSeconds == 1, "half a second short rounds up to 1 s")
    }

    @Test("tokens come back at the rate: one every period/count, never more than count")
    func refill() {
        let limiter = SourceRateLimiter(limit: RateLimit(2, per: 1))
        #expect(limiter.admit(Self.a, now: at(0)) == .allowed)
        #expect(limiter.admit(Self.a, now: at(0)) == .allowed)
        #expect(limiter.admit(Self.a, now: at(0.1)) != .allowed)
        #expect(limiter.admit(Self.a, now: at(0.6)) == .allowed, "0.5 s earns one token at 2/s")
        #expect(limiter.admit(Self.a, now: at(0.6)) != .allowed)
        // A long silence refills to the count, not beyond.
        #expect(limiter.admit(Self.a, now: at(100)) == .allowed)
        #expect(limiter.admit(Self.a, now: at(100)) == .allowed)
        #expect(limiter.admit(Self.a, now: at(100)) != .allowed)
    }

    @Test("one source over its limit leaves every other source its full budget")
    func sourcesAreIndependent() {
        let limiter = SourceRateLimiter(limit: RateLimit(3, per: 60))
        for _ in 0..<100 { _ = limiter.admit(Self.a, now: at(0)) }
        #expect(limiter.admit(Self.a, now: at(0)) != .allowed)
        for i in 0..<3 { #expect(limiter.admit(Self.b, now: at(0)) == .allowed, "b's request \(i + 1)") }
        #expect(limiter.admit(Self.b, now: at(0)) != .allowed)
    }

    @Test("refused requests do not push the wait further out")
    func refusalsCostNothing() {
        let limiter = SourceRateLimiter(limit: RateLimit(1, per: 10))
        #expect(limiter.admit(Self.a, now: at(0)) == .allowed)
        for s in stride(from: 1.0, to: 10, by: 1) { #expect(limiter.admit(Self.a, now: at(s)) != .allowed) }
        #expect(limiter.admit(Self.a, now: at(10)) == .allowed, "the token is earned 10 s after the first request, whatever came between")
    }

    @Test("a flood from many addresses keeps at most maxSources buckets, and a limited source that keeps coming is not forgotten")
    func boundedMemory() {
        let limiter = SourceRateLimiter(limit: RateLimit(2, per: 60), maxSources: 100)
        _ = limiter.admit(Self.a, now: at(0))
        _ = limiter.admit(Self.a, now: at(0))
        for i in 0..<10_000 {
            let source = SourceAddress(IPv4Address(0x0a00_0000 + UInt32(i)))
            _ = limiter.admit(source, now: at(Double(i) / 1000))
            #expect(limiter.trackedSources <= 100)
            if i % 50 == 0 { #expect(limiter.admit(Self.a, now: at(Double(i) / 1000)) != .allowed, "a stays limited at \(i)") }
        }
    }

    @Test("sources whose bucket has refilled are dropped first when the table is full")
    func refilledBucketsGoFirst() {
        let limiter = SourceRateLimiter(limit: RateLimit(1, per: 1), maxSources: 10)
        for i in 0..<10 { _ = limiter.admit(SourceAddress(IPv4Address(UInt32(i))), now: at(0)) }
        #expect(limiter.trackedSources == 10)
        _ = limiter.admit(Self.a, now: at(5))
        #expect(limiter.trackedSources == 1, "the ten full buckets are the same as none")
    }
}

@Suite struct RateLimitTests {
    @Test(arguments: [("30/min", 30, 60.0), ("20/s", 20, 1.0), ("100/10m", 100, 600.0), (" 5 / h ", 5, 3600.0), ("3/10s", 3, 10.0)])
    func parses(_ text: String, _ count: Int, _ period: Double) throws {
        let rate = try #require(RateLimit(parsing: text))
        #expect(rate == RateLimit(count, per: period))
    }

    @Test(arguments: ["30", "0/min", "-1/s", "30/", "/min", "30/0s", "30/fortnight", "3.5/s", "1/2/3"])
    func refuses(_ text: String) {
        #expect(RateLimit(parsing: text) == nil)
    }

    @Test func describes() {
        #expect(RateLimit(30, per: 60).description == "30/min")
        #expect(RateLimit(20, per: 1).description == "20/s")
        #expect(RateLimit(5, per: 3600).description == "5/h")
        #expect(RateLimit(100, per: 600).description == "100/10m")
    }

    @Test("a bad rate in a setting names the setting, its source and an example")
    func settingError() {
        #expect(throws: ConfigError.invalidValue(path: "/etc/x.conf", key: "enroll-rate",
                                                 reason: "'fast' is not a rate: write a positive count, '/' and a period, e.g. 30/min, 20/s, 100/10m")) {
            try LimitSetting.rate("fast", default: RateLimit(1, per: 1), key: "enroll-rate", source: "/etc/x.conf")
        }
        #expect(throws: ConfigError.invalidValue(path: "command line", key: "n", reason: "0 is outside 1-10")) {
            try LimitSetting.count(0, default: 1, range: 1...10, key: "n", source: "command line")
        }
        #expect(throws: ConfigError.invalidValue(path: "command line", key: "t", reason: "'10m' is outside 1s-5m")) {
            try LimitSetting.duration("10m", default: 10, range: 1...300, key: "t", source: "command line")
        }
    }
}
