import NIOConcurrencyHelpers
import NIOCore

/// A token bucket per source address: each source may spend `limit.count`
/// at once and earns them back evenly over `limit.period`, so one noisy
/// address meets its limit while every other address keeps its own budget.
/// Kept as the time the bucket will be full again (GCRA), in whole
/// nanoseconds: no rounding drifts, and refused requests cost nothing.
///
/// Memory is bounded: at most `maxSources` buckets are kept. A full bucket
/// is the same as no bucket, so those are dropped first; if the table is
/// still full, the quarter closest to full goes. A source that owns more
/// addresses than `maxSources` gains nothing by that eviction it would not
/// have had anyway: every one of its addresses has its own budget.
public final class SourceRateLimiter: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; the source earns its next token after `retryAfter`.
        case refused(retryAfter: TimeAmount)

        /// Whole seconds for a `Retry-After` header: rounded up, at least 1.
        public var retryAfterSeconds: Int? {
            guard case .refused(let wait) = self else { return nil }
            return max(1, Int((wait.nanoseconds + 999_999_999) / 1_000_000_000))
        }
    }

    public let limit: RateLimit
    public let maxSources: Int
    /// Time to earn one token.
    private let interval: TimeAmount
    /// How far the full time may lie ahead and a request still pass: count - 1 tokens spent.
    private let burst: TimeAmount
    /// Per source: when its bucket is full again.
    private let fullAt = NIOLockedValueBox<[SourceAddress: NIODeadline]>([:])

    public init(limit: RateLimit, maxSources: Int = 16_384) {
        precondition(maxSources > 0, "a limiter must track at least one source")
        self.limit = limit
        self.maxSources = maxSources
        interval = .nanoseconds(Int64((limit.period * 1e9 / Double(limit.count)).rounded()))
        burst = .nanoseconds(interval.nanoseconds * Int64(limit.count - 1))
    }

    /// Takes one token from `source`'s bucket, or says how long until there is one.
    public func admit(_ source: SourceAddress, now: NIODeadline = .now()) -> Decision {
        let (interval, burst, maxSources) = (self.interval, self.burst, self.maxSources)
        return fullAt.withLockedValue { fullAt in
            if fullAt[source] == nil, fullAt.count >= maxSources { Self.shrink(&fullAt, now: now, keep: maxSources) }
            let full = max(fullAt[source] ?? now, now)
            let ahead = full - now
            guard ahead <= burst else { return .refused(retryAfter: ahead - burst) }
            fullAt[source] = full + interval
            return .allowed
        }
    }

    /// How many sources have a bucket now (for tests and status).
    public var trackedSources: Int { fullAt.withLockedValue { $0.count } }

    /// Makes room for one more bucket: drops the full ones, then, if need be, the quarter nearest to full.
    private static func shrink(_ fullAt: inout [SourceAddress: NIODeadline], now: NIODeadline, keep: Int) {
        fullAt = fullAt.filter { $0.value > now }
        guard fullAt.count >= keep else { return }
        let drop = max(1, fullAt.count / 4)
        for source in fullAt.sorted(by: { $0.value < $1.value }).prefix(drop).map(\.key) { fullAt.removeValue(forKey: source) }
    }
}
