import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The open connections of one listener: admits a new one only below
/// `limit`, forgets it when it closes, and lets shutdown reach them all.
/// Shared by the controller's HTTP servers and the node's peer listener.
public final class ConnectionRegistry: Sendable {
    private let open = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    public let limit: Int

    public init(limit: Int) { self.limit = limit }

    /// Call first in a child channel initializer; a failed future makes the
    /// bootstrap close the new channel, which is logged with who it was.
    public func admit(_ channel: any Channel, logger: Logger) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let admitted = open.withLockedValue { open in
            guard open.count < limit else { return false }
            open[id] = channel
            return true
        }
        guard admitted else {
            logger.warning("connection refused: too many open connections",
                           metadata: ["event": "connection-limit", "address": "\(channel.remoteAddress?.description ?? "?")", "limit": "\(limit)"])
            return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
        }
        channel.closeFuture.whenComplete { [open] _ in _ = open.withLockedValue { $0.removeValue(forKey: id) } }
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    public var channels: [any Channel] { open.withLockedValue { Array($0.values) } }
    public var isEmpty: Bool { open.withLockedValue { $0.isEmpty } }
}
