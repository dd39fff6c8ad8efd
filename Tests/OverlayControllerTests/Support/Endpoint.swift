import NIOHTTP1
import OverlayTLS
import Testing

/// A method and path of the controller's TLS API, as a test argument.
struct Endpoint: Sendable, CustomTestStringConvertible {
    let method: HTTPMethod
    let path: String
    /// A body the endpoint would accept from a legitimate caller.
    let body: String?

    var testDescription: String { "\(method.rawValue) \(path)" }

    static let postRoster = Endpoint(method: .POST, path: "/v1/roster", body: #"{"listenPort":7000}"#)
    static let getRoster = Endpoint(method: .GET, path: "/v1/roster", body: nil)
    static let leave = Endpoint(method: .POST, path: "/v1/leave", body: nil)
    static let nonce = Endpoint(method: .POST, path: "/v1/enroll/nonce", body: nil)
    static let enroll = Endpoint(method: .POST, path: "/v1/enroll",
                                 body: #"{"tokenID":"x","nonce":"x","name":"alice","csr":"x","proof":"x"}"#)
    static let health = Endpoint(method: .GET, path: "/v1/health", body: nil)

    /// Everything that needs a node certificate.
    static let authenticated: [Endpoint] = [postRoster, getRoster, leave]
    static let all: [Endpoint] = [postRoster, getRoster, leave, nonce, enroll, health]

    func call(_ client: NodeClient) async throws -> Reply {
        try await client.call(method, path, body: body.map { Array($0.utf8) })
    }

    func attempt(_ client: NodeClient) async -> (outcome: Result<Reply, any Error>, tlsErrors: [TLSError]) {
        await client.attempt(method, path, body: body.map { Array($0.utf8) })
    }
}
