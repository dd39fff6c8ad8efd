import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// The node's keep-alive mutual-TLS connection to the controller. One
/// connection is reused across polls, so a steady-state poll costs one small
/// request and no handshake; a broken one is replaced on the next call,
/// trying each controller address in turn.
final class ControllerClient: Sendable {
    static let controllerName = "overlayd-controller"

    private let addresses: [HostPort]
    private let context: TLSContextBox
    private let group: any EventLoopGroup
    /// The open connection and the TLS context it was made with.
    private let connection = NIOLockedValueBox<(conn: HTTPClientConnection, context: TLSContext)?>(nil)
    private let connects = EventCounter()

    init(addresses: [HostPort], context: TLSContextBox, group: any EventLoopGroup) {
        self.addresses = addresses
        self.context = context
        self.group = group
    }

    var description: String { addresses.map(\.description).joined(separator: ",") }

    /// The longest a call can take to connect: every address tried in turn, each within its connect timeout.
    var connectBudget: TimeInterval { Double(addresses.count) * Self.connectTimeoutSeconds }
    static let connectTimeoutSeconds: TimeInterval = 3

    /// How many TLS connections this client has opened (for benchmarks and status).
    var connectionCount: Int { connects.value }

    func call<Reply: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)?, as: Reply.Type,
                                timeout: TimeInterval) async throws -> Reply {
        let (conn, madeWith) = try await current()
        do {
            return try await conn.json(method, path, body: body, as: Reply.self, timeout: .nanoseconds(Int64(timeout * 1e9)))
        } catch let error as APIError {
            // Made with the certificate a renewal has just replaced: once more, on a connection with the new one.
            guard error.error == "unknown_certificate", madeWith !== context.current else { throw error }
            retire()
            let (fresh, _) = try await current()
            return try await fresh.json(method, path, body: body, as: Reply.self, timeout: .nanoseconds(Int64(timeout * 1e9)))
        } catch {
            connection.withLockedValue { if $0?.conn === conn { $0 = nil } }
            await conn.close()
            throw error
        }
    }

    private func current() async throws -> (HTTPClientConnection, TLSContext) {
        if let existing = connection.withLockedValue({ $0 }), existing.conn.isActive { return existing }
        var lastError: any Error = NodeError.controllerUnreachable(addresses.map(\.description), "no address")
        for address in addresses {
            do {
                let context = self.context.current
                let conn = try await HTTPClientConnection.connect(host: address.host, port: address.port, group: group,
                                                                  connectTimeout: .seconds(Int64(Self.connectTimeoutSeconds))) { channel in
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(
                        context: context, serverName: address.host, policy: .expectName(Self.controllerName)))
                }
                connects.increment()
                connection.withLockedValue { $0 = (conn, context) }
                return (conn, context)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The next call opens a new connection (after a certificate renewal: the open one
    /// presents the old certificate); the old one closes once calls in flight on it are done.
    func retire() {
        let old = connection.withLockedValue { c -> HTTPClientConnection? in defer { c = nil }; return c?.conn }
        guard let channel = old?.channel else { return }
        channel.eventLoop.scheduleTask(in: .seconds(Int64(RosterPoller.maxCallTimeout) + 1)) { channel.close(promise: nil) }
    }

    func close() async {
        let conn = connection.withLockedValue { c -> HTTPClientConnection? in defer { c = nil }; return c?.conn }
        await conn?.close()
    }
}
