import NIOHTTP1

/// Method + path → handler. Paths are exact; a trailing `*` segment matches
/// one path component, passed to the handler in `parameters`.
public struct HTTPRouter: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, [String]) async throws(HTTPResponse) -> HTTPResponse

    private var routes: [(method: HTTPMethod, pattern: [Substring], handler: Handler)] = []

    public init() {}

    public mutating func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        routes.append((method, pattern.split(separator: "/"), handler))
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let parts = request.path.split(separator: "/")
        var pathMatched = false
        for route in routes where route.pattern.count == parts.count {
            var params: [String] = []
            var matches = true
            for (p, actual) in zip(route.pattern, parts) {
                if p == "*" { params.append(String(actual)) } else if p != actual { matches = false; break }
            }
            guard matches else { continue }
            pathMatched = true
            guard route.method == request.method else { continue }
            do {
                return try await route.handler(request, params)
            } catch {
                return error
            }
        }
        if pathMatched {
            return .error(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed on \(request.path)")
        }
        return .error(.notFound, "not_found", "no such endpoint \(request.path); the API is documented in docs/protocol.md")
    }
}
