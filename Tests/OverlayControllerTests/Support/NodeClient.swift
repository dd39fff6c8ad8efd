import Foundation
import NIOHTTP1
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// A client of the controller's TLS API presenting some certificate (or
/// none): an enrolled node, a removed one, or an impostor.
struct NodeClient: Sendable {
    let port: Int
    let context: TLSContext

    /// Mutual TLS as `node`, trusting the network CA.
    init(port: Int, node: EnrolledNode) throws {
        self.port = port
        context = try TLSContext(role: .client, configuration: .mutual(certificate: node.certificate, key: node.key, ca: node.ca))
    }

    /// Presents `certificate` and `key` (from any CA), trusting `ca` for the server.
    init(port: Int, certificate: Certificate, key: PrivateKey, trusting ca: Certificate) throws {
        self.port = port
        context = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [certificate], privateKey: key, trust: .networkCA(ca)))
    }

    /// No client certificate at all.
    init(port: Int, anonymousTrusting ca: Certificate) throws {
        self.port = port
        context = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .networkCA(ca), clientAuthentication: .none))
    }

    func connect() async throws -> HTTPClientConnection { try await Connect.tls(port: port, context: context) }

    /// One request on a fresh connection.
    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        try await Connect.with(connect) { try await $0.send(method, path, body: body) }
    }

    /// One request on a fresh connection, keeping what it ended with and
    /// every TLS error the connection saw (for refused handshakes).
    func attempt(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async -> (outcome: Result<Reply, any Error>, tlsErrors: [TLSError]) {
        let recorder = TLSErrorRecorder()
        do {
            let reply = try await Connect.with({ try await Connect.tls(port: port, context: context, recorder: recorder) }) {
                try await $0.send(method, path, body: body)
            }
            return (.success(reply), recorder.errors)
        } catch {
            return (.failure(error), recorder.errors)
        }
    }

    func call(_ method: HTTPMethod, _ path: String, json: some Encodable) async throws -> Reply {
        try await call(method, path, body: OverlayJSON.encode(json))
    }

    /// Flow 2: the heartbeat that returns the roster.
    func roster(knownVersion: String? = nil, advertise: String? = nil, listenPort: Int? = 7000) async throws -> RosterResponse {
        try await call(.POST, "/v1/roster", json: RosterRequest(knownVersion: knownVersion, advertise: advertise, listenPort: listenPort))
            .expect(RosterResponse.self)
    }

    func leave() async throws -> LeaveResponse {
        try await call(.POST, "/v1/leave").expect(LeaveResponse.self)
    }
}

extension ControllerProcess {
    func client(_ node: EnrolledNode) throws -> NodeClient { try NodeClient(port: port, node: node) }
}
