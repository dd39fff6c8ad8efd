import Logging
import NIOCore

/// The journal lines for refused connections and requests, at a bounded rate:
/// the first refusal from an address for a reason gets its line, the same
/// refusal again within `interval` is only counted, and the next line after
/// it says how many were held back. A flood of a thousand hostile connections
/// therefore writes a handful of lines instead of drowning the operator's
/// real ones under journald's own rate limit; the metrics count every one.
public struct RefusalLog: Sendable {
    public static let defaultInterval: TimeAmount = .seconds(10)

    private let journal: RefusalJournal
    private let logger: Logger

    public init(logger: Logger, interval: TimeAmount = RefusalLog.defaultInterval, maxKeys: Int = 256) {
        self.logger = logger
        self.journal = RefusalJournal(interval: interval, maxSources: maxKeys)
    }

    /// Logs `message` for a refusal of `address` for `reason`, or counts it when one was logged lately.
    /// Returns whether a line was written.
    @discardableResult
    public func refused(_ address: SocketAddress?, reason: String, level: Logger.Level = .warning,
                        _ message: String, metadata: Logger.Metadata) -> Bool {
        guard let count = journal.record(SourceAddress(address), reason: reason) else { return false }
        var metadata = metadata
        var text = message
        if count > 1 {
            let seconds = journal.interval.nanoseconds / 1_000_000_000
            text += " (and \(count - 1) more like it from \(SourceAddress(address).map { "\($0)" } ?? "the local socket") held back since the line before, at most one line per \(seconds) s)"
            metadata["held_back"] = "\(count - 1)"
        }
        logger.log(level: level, "\(text)", metadata: metadata)
        return true
    }
}
