import NIOCore
import OverlayCore

/// What one HTTP listener allows a client: how many connections at once
/// from one address, and how long it may take to send a whole request.
/// The controller's TLS API takes these from its config; the other
/// listeners (control socket, metrics, status page) use the defaults.
public struct HTTPServerLimits: Sendable {
    /// Connections beyond this many from one address are closed at once.
    /// Unix socket clients have no address and are not counted per source.
    public var connectionsPerSource: Int
    /// A client must send a whole request (headers and body) within this
    /// long of its first byte; on a new connection the clock starts at the
    /// connect, so the TLS handshake counts too. Idle time between
    /// keep-alive requests does not count (`HTTPServer.idleTimeout` does).
    public var requestReadTimeout: TimeAmount
    /// The setting an operator raises `connectionsPerSource` with, for the log line.
    public var connectionsPerSourceSetting: String
    /// Told of every refused connection and every request that did not arrive in time (for metrics).
    public var events: @Sendable (HTTPServerEvent) -> Void

    public static let defaultConnectionsPerSource = 1024
    public static let defaultRequestReadTimeout = TimeAmount.seconds(10)

    public init(connectionsPerSource: Int = defaultConnectionsPerSource, requestReadTimeout: TimeAmount = defaultRequestReadTimeout,
                connectionsPerSourceSetting: String = "the per-source connection limit",
                events: @escaping @Sendable (HTTPServerEvent) -> Void = { _ in }) {
        self.connectionsPerSource = connectionsPerSource
        self.requestReadTimeout = requestReadTimeout
        self.connectionsPerSourceSetting = connectionsPerSourceSetting
        self.events = events
    }
}

/// Something an `HTTPServer` did to protect itself from a client.
public enum HTTPServerEvent: Sendable, Equatable {
    /// A new connection was closed at once.
    case connectionRefused(ConnectionRegistry.Refusal)
    /// A connection was closed because its request did not arrive within `requestReadTimeout`.
    case requestTimedOut
    /// A request was answered with this 4xx/5xx status (429s included).
    case requestRefused(status: Int)
    /// A TLS handshake failed (a refused or missing certificate, garbage, an old protocol).
    case handshakeRefused
}
