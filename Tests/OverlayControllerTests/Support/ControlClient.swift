import Foundation
import NIOHTTP1
import OverlayCore
import OverlayProtocol

/// The controller's control socket, as `overlayctl` uses it: one connection per call.
struct ControlClient: Sendable {
    let socketPath: String

    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        try await Connect.with({ try await Connect.unix(socketPath) }) { try await $0.send(method, path, body: body) }
    }

    func call(_ method: HTTPMethod, _ path: String, json: some Encodable) async throws -> Reply {
        try await call(method, path, body: OverlayJSON.encode(json))
    }

    func status() async throws -> ControllerStatus {
        try await call(.GET, "/v1/status").expect(ControllerStatus.self)
    }

    func roster() async throws -> RosterListing {
        try await call(.GET, "/v1/roster").expect(RosterListing.self)
    }

    /// The listing entry for `name`, nil when not registered.
    func node(_ name: String) async throws -> RegisteredNode? {
        try await roster().nodes.first { $0.name == name }
    }

    func tokens() async throws -> [TokenInfo] {
        try await call(.GET, "/v1/tokens").expect(TokenList.self).tokens
    }

    func token(_ id: String) async throws -> TokenInfo? {
        try await tokens().first { $0.id == id }
    }

    /// A new join token, parsed the way a node parses it.
    func createToken(ttl: Double = 600, uses: Int = 1, name: String? = nil) async throws -> (token: JoinToken, info: TokenInfo) {
        let created = try await call(.POST, "/v1/tokens", json: TokenCreateRequest(ttlSeconds: ttl, uses: uses, name: name))
            .expect(TokenCreated.self)
        return (try JoinToken(parsing: created.token), created.info)
    }

    func revokeToken(_ id: String) async throws -> Reply {
        try await call(.DELETE, "/v1/tokens/\(id)")
    }

    func removeNode(_ name: String) async throws -> Reply {
        try await call(.DELETE, "/v1/nodes/\(name)")
    }

    /// Everything enrollment can change: the registered nodes and every token's uses.
    func storedState() async throws -> StoredState {
        let nodes = try await roster().nodes.map {
            StoredState.Node(name: $0.name, overlayIP: $0.overlayIP, fingerprint: $0.fingerprint, registeredAt: $0.registeredAt)
        }
        let tokens = try await tokens().map { StoredState.Token(id: $0.id, usesLeft: $0.usesLeft, revoked: $0.revoked) }
        return StoredState(nodes: nodes, tokens: tokens)
    }
}

/// What the controller has stored, as its control socket shows it. A refused
/// request must leave this exactly as it was.
struct StoredState: Equatable, Sendable, CustomStringConvertible {
    struct Node: Equatable, Sendable {
        var name: String
        var overlayIP: String
        var fingerprint: String
        var registeredAt: Date
    }

    struct Token: Equatable, Sendable {
        var id: String
        var usesLeft: Int
        var revoked: Bool
    }

    var nodes: [Node]
    var tokens: [Token]

    var description: String {
        "nodes: \(nodes.map { "\($0.name)=\($0.overlayIP)" }.joined(separator: ", ")); "
            + "tokens: \(tokens.map { "\($0.id) uses \($0.usesLeft)\($0.revoked ? " revoked" : "")" }.joined(separator: ", "))"
    }
}
