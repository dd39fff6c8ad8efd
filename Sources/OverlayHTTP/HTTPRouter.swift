import NIOCore
import NIOHTTP1

/// Method + path → handler. Paths are exact; a trailing `*` segment matches
/// one path component, passed to the handler in `parameters`.
public struct HTTPRouter: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, [String]) async throws(HTTPResponse) -> HTTPResponse

    /// Told about every answered request: the route pattern (e.g. `/v1/tokens/*`,
    /// or `unmatched`), never the raw path, so it is safe as a metric label.
    public typealias Observer = @Sendable (_ method: HTTPMethod, _ route: String, _ status: HTTPResponseStatus, _ seconds: Double) -> Void

    private var routes: [(method: HTTPMethod, pattern: [Substring], handler: Handler)] = []
    public var observer: Observer?

    public init() {}

    public mutating func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        routes.append((method, pattern.split(separator: "/"), handler))
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let observer else { return await route(request).response }
        let started = NIODeadline.now()
        let (response, pattern) = await route(request)
        observer(request.method, pattern, response.status, Double((NIODeadline.now() - started).nanoseconds) / 1e9)
        return response
    }

    private func route(_ request: HTTPRequest) async -> (response: HTTPResponse, pattern: String) {
        let parts = request.path.split(separator: "/")
        var matchedPattern: String?
        for route in routes where route.pattern.count == parts.count {
            var params: [String] = []
            var matches = true
            for (p, actual) in zip(route.pattern, parts) {
                if p == "*" { params.append(String(actual)) } else if p != actual { matches = false; break }
            }
            guard matches else { continue }
            let pattern = "/" + route.pattern.joined(separator: "/")
            matchedPattern = pattern
            guard route.method == request.method else { continue }
            do {
                return (try await route.handler(request, params), pattern)
            } catch {
                return (error, pattern)
            }
        }
        if let matchedPattern {
            return (.error(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed on \(request.path)"), matchedPattern)
        }
        return (.error(.notFound, "not_found", "no such endpoint \(request.path); the API is documented in docs/protocol.md"), "unmatched")
    }
}
