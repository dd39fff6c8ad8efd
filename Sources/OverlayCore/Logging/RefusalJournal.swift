import NIOConcurrencyHelpers
import NIOCore

/// Decides which refusals earn a journal line. A client refused once is
/// worth a line with its address; the same client refused ten thousand
/// times a minute is worth one line a minute with the count, or a flood
/// would fill the journal (the metrics count every refusal).
///
/// At most `maxSources` addresses are remembered; refusals from any other
/// address share one entry, so under a flood from many addresses the
/// journal still gets at most `maxSources + 1` lines per `interval`.
public final class RefusalJournal: Sendable {
    private struct Entry {
        var lastLine: NIODeadline
        var unlogged: Int
    }

    /// One address, and optionally one reason: refusals of the same address for different reasons are logged apart.
    private struct Key: Hashable {
        var source: SourceAddress
        var reason: String
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Refusals from addresses that found the table full, or from none (a Unix socket).
        var others: Entry?
    }

    public let interval: TimeAmount
    public let maxSources: Int
    private let state = NIOLockedValueBox(State())

    public init(interval: TimeAmount = .seconds(60), maxSources: Int = 256) {
        self.interval = interval
        self.maxSources = maxSources
    }

    /// Records one refusal from `source`. Returns nil to write no line, or the
    /// number of refusals the line now due stands for: this one and those from
    /// the same source not logged since its previous line.
    public func record(_ source: SourceAddress?, reason: String = "", now: NIODeadline = .now()) -> Int? {
        let interval = self.interval
        let maxSources = self.maxSources
        return state.withLockedValue { s in
            guard let address = source else { return Self.note(&s.others, now: now, interval: interval) }
            let source = Key(source: address, reason: reason)
            if s.entries[source] == nil, s.entries.count >= maxSources {
                // Entries whose interval has passed owe no line: forget them to make room.
                s.entries = s.entries.filter { now - $0.value.lastLine < interval }
            }
            guard s.entries[source] != nil || s.entries.count < maxSources else {
                return Self.note(&s.others, now: now, interval: interval)
            }
            return Self.note(&s.entries[source], now: now, interval: interval)
        }
    }

    private static func note(_ entry: inout Entry?, now: NIODeadline, interval: TimeAmount) -> Int? {
        if let e = entry, now - e.lastLine < interval {
            entry?.unlogged += 1
            return nil
        }
        let count = (entry?.unlogged ?? 0) + 1
        entry = Entry(lastLine: now, unlogged: 0)
        return count
    }
}
