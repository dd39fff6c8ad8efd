import NIOCore
import OverlayCore
import Testing

/// Which refusals get a log line, on an injected clock.
@Suite struct RefusalJournalTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    func at(_ seconds: Double) -> NIODeadline { Self.t0 + .nanoseconds(Int64(seconds * 1e9)) }
    func source(_ n: UInt32) -> SourceAddress { SourceAddress(IPv4Address(0xc612_0000 + n)) }

    @Test("the first refusal from an address is logged; the rest of the minute is counted into the next line")
    func oneLinePerMinuteWithTheCount() {
        let journal = RefusalJournal(interval: .seconds(60))
        #expect(journal.record(source(1), now: at(0)) == 1)
        for s in 1..<60 { #expect(journal.record(source(1), now: at(Double(s))) == nil) }
        #expect(journal.record(source(1), now: at(60)) == 60, "this refusal and the 59 that were not logged")
        #expect(journal.record(source(1), now: at(61)) == nil)
        #expect(journal.record(source(1), now: at(500)) == 2)
    }

    @Test("each address gets its own line")
    func perAddress() {
        let journal = RefusalJournal()
        #expect(journal.record(source(1), now: at(0)) == 1)
        #expect(journal.record(source(2), now: at(0)) == 1)
        #expect(journal.record(source(1), now: at(1)) == nil)
    }

    @Test("a flood from more addresses than it remembers writes at most maxSources + 1 lines a minute")
    func bounded() {
        let journal = RefusalJournal(interval: .seconds(60), maxSources: 10)
        var lines = 0
        for i in 0..<10_000 {
            if journal.record(source(UInt32(i)), now: at(Double(i) / 1000)) != nil { lines += 1 }
        }
        #expect(lines == 11, "10 addresses and one line for all the others")
        // A minute later the others' line carries every refusal not logged (the no-address entry is theirs too).
        #expect(journal.record(nil, now: at(70)) == 10_000 - 11 + 1)
        // And the addresses whose minute is over make room for new ones.
        #expect(journal.record(source(99_999), now: at(70)) == 1)
    }

    @Test("refusals with no address share one line a minute")
    func noAddress() {
        let journal = RefusalJournal()
        #expect(journal.record(nil, now: at(0)) == 1)
        #expect(journal.record(nil, now: at(1)) == nil)
        #expect(journal.record(nil, now: at(61)) == 2)
    }
}
