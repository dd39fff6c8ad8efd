import Logging
import NIOCore
import OverlayCore

/// What happens when a client did not send its request in time, besides the
/// close: the event for metrics, and a log line per address at most once a
/// minute, so a slow-loris flood does not also flood the journal.
struct RequestTimeoutLog: Sendable {
    let timeout: TimeAmount
    let events: @Sendable (HTTPServerEvent) -> Void
    let logger: Logger
    private let journal = RefusalJournal()

    init(timeout: TimeAmount, events: @escaping @Sendable (HTTPServerEvent) -> Void, logger: Logger) {
        self.timeout = timeout
        self.events = events
        self.logger = logger
    }

    func expired(_ address: SocketAddress?) {
        events(.requestTimedOut)
        guard let count = journal.record(SourceAddress(address)) else { return }
        logger.warning("""
            connection closed: no complete request within \(DurationParser.format(Double(timeout.nanoseconds) / 1e9)) \
            (a stalled or deliberately slow client); later ones from this address are summed up once a minute
            """, metadata: [
            "event": "request-timeout", "address": "\(address?.description ?? "local")",
            "timeout": "\(DurationParser.format(Double(timeout.nanoseconds) / 1e9))", "refused": "\(count)",
        ])
    }
}
