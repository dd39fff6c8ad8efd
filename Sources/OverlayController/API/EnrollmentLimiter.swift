import Logging
import NIOCore
import OverlayCore
import OverlayHTTP

/// Per-address limits on the two enrollment endpoints, the only ones a
/// client without a node certificate can make the controller work for. A
/// token guesser pays one nonce and one proof per guess, so capping both per
/// address caps its guesses; a nonce flood from one address cannot fill the
/// nonce store for everyone. Each endpoint has its own budget of `rate`, and
/// one enrollment spends one of each. Over it: `429` with `Retry-After`,
/// counted, and logged at most once a minute per address with the count.
final class EnrollmentLimiter: Sendable {
    enum Route: String, Sendable, CaseIterable {
        case nonce = "/v1/enroll/nonce"
        case enroll = "/v1/enroll"
    }

    let rate: RateLimit
    private let nonces: SourceRateLimiter
    private let enrollments: SourceRateLimiter
    private let journal = RefusalJournal()
    private let logger: Logger

    init(rate: RateLimit, logger: Logger) {
        self.rate = rate
        self.nonces = SourceRateLimiter(limit: rate)
        self.enrollments = SourceRateLimiter(limit: rate)
        self.logger = logger
    }

    /// Returns when `request` is within its address's budget for `route`; throws the 429 when not.
    func check(_ request: HTTPRequest, _ route: Route, now: NIODeadline = .now()) throws(HTTPResponse) {
        guard let source = SourceAddress(request.remoteAddress) else { return }
        let limiter = route == .nonce ? nonces : enrollments
        guard let wait = limiter.admit(source, now: now).retryAfterSeconds else { return }
        ControllerMetrics.rateLimited(route: route.rawValue)
        if let count = journal.record(source, now: now) {
            logger.warning("""
                enrollment requests refused: \(source) is over its limit of \(rate) on \(route.rawValue) (429); \
                later refusals from it are summed up once a minute. Many nodes enrolling behind one NAT retry on \
                their own; raise enroll-rate if they wait too long
                """, metadata: [
                "event": "rate-limited", "address": "\(source)", "route": "\(route.rawValue)", "limit": "\(rate)",
                "refused": "\(count)",
            ])
        }
        var response = HTTPResponse.error(.tooManyRequests, "rate_limited", """
            too many enrollment requests from \(source): at most \(rate) per address on \(route.rawValue); \
            retry in \(wait) s
            """)
        response.headers.add(name: "retry-after", value: "\(wait)")
        throw response
    }
}
