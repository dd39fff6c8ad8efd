import Logging
import NIOCore
import NIOHTTP1
import OverlayCore

/// `GET /metrics` in the Prometheus text format, on a control socket's router
/// or on a plain-HTTP listener of its own that a Prometheus server scrapes.
public enum MetricsEndpoint {
    /// Adds `GET /metrics` to `router`.
    public static func add(to router: inout HTTPRouter, _ exposition: MetricsExposition) {
        router.on(.GET, "/metrics") { _, _ in
            HTTPResponse(status: .ok, headers: ["content-type": MetricsExposition.contentType],
                         body: Array(await exposition.render().utf8))
        }
    }

    /// A plain-HTTP listener serving only `/metrics` (everything else is a 404),
    /// for `--metrics-listen`. Metrics name peers and counts, never secrets.
    public static func listen(on address: HostPort, _ exposition: MetricsExposition, group: any EventLoopGroup,
                              logger: Logger) async throws -> HTTPServer {
        var router = HTTPRouter()
        add(to: &router, exposition)
        do {
            let server = try await HTTPServer.bind(plainHost: address.host, port: address.port, router: router,
                                                   group: group, logger: logger)
            logger.notice("serving Prometheus metrics", metadata: [
                "metrics_listen": "\(HostPort(host: address.host, port: server.port ?? address.port))",
            ])
            return server
        } catch {
            throw ListenerError.cannotBind(what: "the metrics listener (--metrics-listen)", address: address.description, reason: "\(error)")
        }
    }
}

/// A listener that could not be opened, naming which option to change.
public enum ListenerError: Error, Sendable, CustomStringConvertible {
    case cannotBind(what: String, address: String, reason: String)

    public var description: String {
        switch self {
        case .cannotBind(let what, let address, let reason):
            return "cannot open \(what) on \(address): \(reason); choose a free address and port"
        }
    }
}
