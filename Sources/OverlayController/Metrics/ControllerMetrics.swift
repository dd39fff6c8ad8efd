import CoreMetrics
import NIOHTTP1
import OverlayHTTP
import OverlayCore

/// What the controller counts, through swift-metrics (the backend is the
/// Prometheus registry of `MetricsBootstrap`). Labels are low-cardinality by
/// construction: results and refusal codes from fixed enums, route patterns
/// rather than raw paths. docs/metrics.md describes each family.
public enum ControllerMetrics {
    static let enrollments = "overlayd_controller_enrollments_total"
    static let renewals = "overlayd_controller_renewals_total"
    static let rosterRequests = "overlayd_controller_roster_requests_total"
    static let nodes = "overlayd_controller_nodes"
    static let brokenPairs = "overlayd_controller_mesh_broken_pairs"
    static let notReporting = "overlayd_controller_mesh_nodes_not_reporting"
    static let requestsRefused = "overlayd_controller_api_requests_refused_total"
    static let handshakesRefused = "overlayd_controller_api_handshakes_refused_total"
    static let requestDuration = "overlayd_controller_request_duration_seconds"
    static let rateLimited = "overlayd_controller_rate_limited_total"
    static let connectionsRefused = "overlayd_controller_connections_refused_total"
    static let requestTimeouts = "overlayd_controller_request_timeouts_total"

    public static let definitions: [MetricDefinition] = [
        .init(enrollments, .counter, labels: ["result", "reason"],
              help: "Enrollment attempts by result (ok, refused) and refusal code (reason=none when ok)."),
        .init(renewals, .counter, labels: ["result", "reason"],
              help: "Certificate renewals by result (ok, refused) and refusal code (reason=none when ok)."),
        .init(rosterRequests, .counter, labels: ["answer"],
              help: "Roster requests from nodes by answer: full roster sent, or unchanged."),
        .init(nodes, .gauge, labels: ["state"],
              help: "Nodes by state: registered (all enrolled nodes) and active (those heartbeating now, a subset)."),
        .init(brokenPairs, .gauge,
              help: "Ordered node pairs (A to B) whose last report from A says B is down (A still reporting)."),
        .init(requestsRefused, .counter, labels: ["status"],
              help: "TLS API requests answered with an error, by HTTP status (the parser's own refusals and 429s included)."),
        .init(handshakesRefused, .counter,
              help: "TLS API connections whose handshake failed (refused or missing certificate, old protocol, garbage)."),
        .init(notReporting, .gauge,
              help: "Active nodes that have missed their polls: their last health report is not shown as current."),
        .init(requestDuration, .histogram, labels: ["listener", "method", "route"],
              help: "Time to answer a request, by listener (api, control), method and route pattern."),
        .init(rateLimited, .counter, labels: ["route"],
              help: "Requests answered 429 because their source address was over its enroll-rate, by route."),
        .init(connectionsRefused, .counter, labels: ["reason"],
              help: "TLS API connections closed at once: source_limit (max-connections-per-source) or listener_limit (all slots taken)."),
        .init(requestTimeouts, .counter,
              help: "TLS API connections closed because a whole request did not arrive within request-read-timeout."),
    ]

    /// The series that exist from the start, at zero, so a rate() has a baseline.
    static func prime() {
        _ = MetricsBootstrap.registry
        _ = Counter(label: enrollments, dimensions: [("result", "ok"), ("reason", "none")])
        _ = Counter(label: renewals, dimensions: [("result", "ok"), ("reason", "none")])
        _ = Counter(label: rosterRequests, dimensions: [("answer", "full")])
        _ = Counter(label: rosterRequests, dimensions: [("answer", "unchanged")])
        Gauge(label: brokenPairs).record(0)
        Gauge(label: notReporting).record(0)
        _ = Counter(label: handshakesRefused)
        for route in EnrollmentLimiter.Route.allCases { _ = Counter(label: rateLimited, dimensions: [("route", route.rawValue)]) }
        for reason in ConnectionRegistry.Refusal.allCases { _ = Counter(label: connectionsRefused, dimensions: [("reason", reason.rawValue)]) }
        _ = Counter(label: requestTimeouts)
    }

    static func rateLimited(route: String) {
        Counter(label: rateLimited, dimensions: [("route", route)]).increment()
    }

    /// For the TLS API's `HTTPServerLimits.events`.
    static func apiServerEvent(_ event: HTTPServerEvent) {
        switch event {
        case .connectionRefused(let reason): Counter(label: connectionsRefused, dimensions: [("reason", reason.rawValue)]).increment()
        case .requestTimedOut: Counter(label: requestTimeouts).increment()
        case .requestRefused(let status): Counter(label: requestsRefused, dimensions: [("status", String(status))]).increment()
        case .handshakeRefused: Counter(label: handshakesRefused).increment()
        }
    }

    static func enrolled() {
        Counter(label: enrollments, dimensions: [("result", "ok"), ("reason", "none")]).increment()
    }

    /// `code`: an `EnrollmentError.code` or an HTTP-level refusal code (a fixed set).
    static func enrollmentRefused(_ code: String) {
        Counter(label: enrollments, dimensions: [("result", "refused"), ("reason", code)]).increment()
    }

    static func renewal(refused code: String?) {
        Counter(label: renewals, dimensions: [("result", code == nil ? "ok" : "refused"), ("reason", code ?? "none")]).increment()
    }

    static func rosterAnswered(full: Bool) {
        Counter(label: rosterRequests, dimensions: [("answer", full ? "full" : "unchanged")]).increment()
    }

    /// Sets the gauges that describe now; called before each scrape.
    static func refresh(registered: Int, active: Int, brokenPairs: Int, notReporting: Int = 0) {
        Gauge(label: nodes, dimensions: [("state", "registered")]).record(registered)
        Gauge(label: nodes, dimensions: [("state", "active")]).record(active)
        Gauge(label: Self.brokenPairs).record(brokenPairs)
        Gauge(label: Self.notReporting).record(notReporting)
    }

    /// An `HTTPRouter.Observer` recording request durations for `listener`.
    static func requestObserver(listener: String) -> HTTPRouter.Observer {
        { method, route, _, seconds in
            Timer(label: requestDuration, dimensions: [("listener", listener), ("method", methodLabel(method)), ("route", route)])
                .recordNanoseconds(Int64(seconds * 1e9))
        }
    }

    /// Methods outside the few the APIs use collapse to `other`: a client cannot mint label values.
    static func methodLabel(_ method: HTTPMethod) -> String {
        switch method {
        case .GET, .POST, .PUT, .DELETE, .HEAD: return method.rawValue
        default: return "other"
        }
    }
}
