@testable import OverlayNode
import Testing

/// The waits of a node a busy controller turns away from enrollment.
@Suite struct EnrollmentBackoffTests {
    @Test("never shorter than Retry-After, doubling from 1 s to a minute when the controller says less")
    func honorsRetryAfterAndBacksOff() {
        var backoff = EnrollmentBackoff(jitter: { 0 })
        #expect(backoff.next(retryAfter: 2) == 2)
        #expect(backoff.next(retryAfter: 2) == 2)
        #expect(backoff.next(retryAfter: 2) == 4)
        #expect(backoff.next(retryAfter: nil) == 8)
        #expect(backoff.next(retryAfter: 30) == 30)
        #expect(backoff.next(retryAfter: 1) == 32)
        for _ in 0..<10 { _ = backoff.next(retryAfter: 1) }
        #expect(backoff.next(retryAfter: 1) == 60, "capped at a minute")
        #expect(backoff.next(retryAfter: 100_000) == 120, "an absurd Retry-After is capped too")
    }

    @Test("jitter stretches a wait by up to half, never shortens it")
    func jitter() {
        var most = EnrollmentBackoff(jitter: { 0.999 })
        let stretched = most.next(retryAfter: 10)
        #expect(stretched > 14.9 && stretched < 15)
        var random = EnrollmentBackoff()
        for _ in 0..<100 {
            let wait = random.next(retryAfter: 4)
            #expect(wait >= 4)
        }
    }
}
