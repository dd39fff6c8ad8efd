import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The open connections of one listener: admits a new one only below
/// `limit` in all and below `perSourceLimit` from its source address,
/// forgets it when it closes, and lets shutdown reach them all. Shared by
/// the controller's HTTP servers and the node's peer listener. The total
/// keeps a flood from using up the process's file descriptors; the
/// per-source count keeps one address from taking all of them.
public final class ConnectionRegistry: Sendable {
    /// Why a connection was closed at once.
    public enum Refusal: String, Sendable, CaseIterable {
        /// `limit` connections were open.
        case listenerLimit = "listener_limit"
        /// `perSourceLimit` connections from the same address were open.
        case sourceLimit = "source_limit"
    }

    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        /// Only sources with a connection open: bounded by `limit`.
        var perSource: [SourceAddress: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let journal = RefusalJournal()
    private let refused: @Sendable (Refusal) -> Void
    public let limit: Int
    public let perSourceLimit: Int
    /// The setting that raises `perSourceLimit`, named in the log line.
    private let perSourceSetting: String

    /// `onRefused` is told of every refusal (for a metric); the log gets at
    /// most one line per source and minute, with the count.
    public init(limit: Int, perSourceLimit: Int = .max, perSourceSetting: String = "the per-source connection limit",
                onRefused: @escaping @Sendable (Refusal) -> Void = { _ in }) {
        self.limit = limit
        self.perSourceLimit = perSourceLimit
        self.perSourceSetting = perSourceSetting
        self.refused = onRefused
    }

    /// Call first in a child channel initializer; a failed future makes the
    /// bootstrap close the new channel.
    public func admit(_ channel: any Channel, logger: Logger) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let source = SourceAddress(channel.remoteAddress)
        let refusal: Refusal? = state.withLockedValue { s in
            guard s.open.count < limit else { return .listenerLimit }
            if let source {
                guard s.perSource[source, default: 0] < perSourceLimit else { return .sourceLimit }
                s.perSource[source, default: 0] += 1
            }
            s.open[id] = channel
            return nil
        }
        if let refusal {
            refused(refusal)
            log(refusal, source: source, address: channel.remoteAddress, logger: logger)
            return channel.eventLoop.makeFailedFuture(ChannelError.inappropriateOperationForState)
        }
        channel.closeFuture.whenComplete { [state] _ in
            state.withLockedValue { s in
                s.open.removeValue(forKey: id)
                if let source, let n = s.perSource[source] { s.perSource[source] = n > 1 ? n - 1 : nil }
            }
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }

    public var channels: [any Channel] { state.withLockedValue { Array($0.open.values) } }
    public var isEmpty: Bool { state.withLockedValue { $0.open.isEmpty } }

    /// Open connections from `source` now.
    public func openConnections(from source: SourceAddress) -> Int {
        state.withLockedValue { $0.perSource[source] ?? 0 }
    }

    private func log(_ refusal: Refusal, source: SourceAddress?, address: SocketAddress?, logger: Logger) {
        guard let count = journal.record(refusal == .sourceLimit ? source : nil) else { return }
        let (message, limit): (Logger.Message, Int) = switch refusal {
        case .listenerLimit: ("connection refused: the listener already has its maximum of open connections; later refusals are summed up once a minute", self.limit)
        case .sourceLimit: ("""
            connection refused: this address already has its maximum of open connections; later refusals from it are \
            summed up once a minute. If many legitimate clients share the address (a NAT), raise \(perSourceSetting)
            """, perSourceLimit)
        }
        logger.warning(message, metadata: [
            "event": "connection-limit", "scope": "\(refusal == .sourceLimit ? "source" : "listener")",
            "address": "\(address?.description ?? "?")", "limit": "\(limit)", "refused": "\(count)",
        ])
    }
}
