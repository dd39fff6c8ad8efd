/// The waits between enrollment attempts a busy controller turned away:
/// never shorter than its `Retry-After`, doubling from 1 s to a minute, and
/// stretched by up to half at random, so nodes turned away together (many
/// behind one NAT) come back spread out instead of all at once.
struct EnrollmentBackoff {
    static let first: Double = 1
    static let cap: Double = 60

    private var base = EnrollmentBackoff.first
    private let jitter: () -> Double

    /// `jitter` returns a fraction in 0..<1; random unless a test fixes it.
    init(jitter: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.jitter = jitter
    }

    /// Seconds to wait before the next attempt.
    mutating func next(retryAfter: Double?) -> Double {
        let wait = max(retryAfter ?? 0, base)
        base = min(base * 2, Self.cap)
        return min(wait, Self.cap * 2) * (1 + jitter() / 2)
    }
}
