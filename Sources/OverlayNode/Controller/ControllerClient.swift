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

    /// The longest one address may take to accept a connection (less when the call has less left).
    static let connectTimeoutSeconds: TimeInterval = 3

    /// How many TLS connections this client has opened (for benchmarks and status).
    var connectionCount: Int { connects.value }

    /// One request to the controller, all of it within `timeout`: connecting (each address tried in
    /// turn, each within the connect timeout or what is left), the TLS handshake, the request and its
    /// answer. A call that runs out of time fails with "no answer to METHOD PATH within TIMEOUT" and its
    /// connection is closed without waiting for the controller's close_notify (a controller that does
    /// not answer will not send one either): the bound a caller gives is the bound it gets.
    func call<Reply: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)?, as: Reply.Type,
                                timeout: TimeInterval) async throws -> Reply {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
        do {
            let (conn, madeWith) = try await current(deadline: deadline, for: method, path)
            do {
                return try await conn.json(method, path, body: body, as: Reply.self, timeout: Self.left(until: deadline))
            } catch let error as APIError {
                // Made with the certificate a renewal has just replaced: once more, on a connection with the new one.
                guard error.error == "unknown_certificate", madeWith !== context.current else { throw error }
                retire()
                let (fresh, _) = try await current(deadline: deadline, for: method, path)
                do {
                    return try await fresh.json(method, path, body: body, as: Reply.self, timeout: Self.left(until: deadline))
                } catch {
                    if !(error is APIError) { abandon(fresh) }
                    throw error
                }
            } catch {
                abandon(conn)
                throw error
            }
        } catch var late as HTTPRequestTimeout {
            // The request ran out of what was left of the call; the bound to report is the whole call's.
            late.seconds = timeout
            throw late
        }
    }

    /// What is left until `deadline`, at least a millisecond (a request timer needs something to run).
    private static func left(until deadline: NIODeadline) -> TimeAmount {
        max(.milliseconds(1), deadline - .now())
    }

    /// Forgets `conn` and closes it without waiting: its state is unknown after a failure, and a
    /// controller that does not answer does not send close_notify either (the TLS close would wait
    /// its full close timeout for it).
    private func abandon(_ conn: HTTPClientConnection) {
        connection.withLockedValue { if $0?.conn === conn { $0 = nil } }
        conn.channel.close(promise: nil)
    }

    /// The open connection, or a new one to the first address that takes it before `deadline`.
    private func current(deadline: NIODeadline, for method: HTTPMethod, _ path: String) async throws -> (HTTPClientConnection, TLSContext) {
        if let existing = connection.withLockedValue({ $0 }), existing.conn.isActive { return existing }
        var lastError: any Error = NodeError.controllerUnreachable(addresses.map(\.description), "no address")
        for address in addresses {
            let left = deadline - .now()
            // Out of time before this address was tried: the call's timeout, as `call` reports it.
            guard left > .zero else { throw HTTPRequestTimeout(method: method.rawValue, path: path, seconds: 0) }
            do {
                let context = self.context.current
                let conn = try await HTTPClientConnection.connect(host: address.host, port: address.port, group: group,
                                                                  connectTimeout: min(.seconds(Int64(Self.connectTimeoutSeconds)), left)) { channel in
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
