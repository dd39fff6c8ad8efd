import Testing
@testable import OverlayDataPlane

@Suite("replay window")
struct ReplayWindowTests {
    @Test("each counter is accepted once, in any order within the window")
    func duplicates() {
        var w = ReplayWindow()
        for c: UInt64 in [0, 1, 5, 3, 2, 4] { #expect(w.check(c) == .accepted, "counter \(c)") }
        for c: UInt64 in [0, 1, 2, 3, 4, 5] { #expect(w.check(c) == .duplicate, "counter \(c) again") }
        #expect(w.highest == 5)
    }

    @Test("the window's edge: exactly width behind is accepted, one more is too old")
    func edges() {
        var w = ReplayWindow()
        let top: UInt64 = 100_000
        #expect(w.check(top) == .accepted)
        #expect(w.check(top - ReplayWindow.width) == .accepted)
        #expect(w.check(top - ReplayWindow.width - 1) == .tooOld)
        #expect(w.check(top - 1) == .accepted)
        #expect(w.check(top - ReplayWindow.width) == .duplicate)
    }

    @Test("far ahead: a jump clears the whole ring, and older counters are then too old")
    func farAhead() {
        var w = ReplayWindow()
        for c: UInt64 in 0..<200 { #expect(w.check(c) == .accepted) }
        let jump: UInt64 = 1 << 40
        #expect(w.check(jump) == .accepted)
        #expect(w.check(199) == .tooOld)
        // The ring was cleared: counters just behind the jump that were never seen are fresh.
        for c in (jump - 300)..<jump { #expect(w.check(c) == .accepted, "counter \(c)") }
        #expect(w.check(jump - 150) == .duplicate)
    }

    @Test("ring wrap: moving forward block by block reuses slots without keeping their old bits")
    func wrap() {
        var w = ReplayWindow()
        // Walk through several full turns of the 128-block ring with every counter.
        let end: UInt64 = 64 * 128 * 5 + 17
        for c in 0..<end { #expect(w.check(c) == .accepted) }
        for c in (end - ReplayWindow.width)..<end { #expect(w.check(c) == .duplicate) }
        #expect(w.check(end - 1 - ReplayWindow.width) == .duplicate, "exactly width behind the highest (end - 1)")
        #expect(w.check(end - 2 - ReplayWindow.width) == .tooOld)
        #expect(w.check(end) == .accepted)
    }

    @Test("counters at or past 2^60 are never accepted")
    func limit() {
        var w = ReplayWindow()
        #expect(w.check(DataPacketFormat.counterLimit) == .outOfRange)
        #expect(w.check(UInt64.max) == .outOfRange)
        #expect(w.check(DataPacketFormat.counterLimit - 1) == .accepted)
    }
}
