import OverlayDataPlane

/// The input twice: as a datagram whose header the receive workers read, and as a
/// sequence of counters for one key's replay window (the counters of packets that
/// authenticated). Besides not trapping: a header is read only from a datagram long
/// enough to open, and it is exactly the 16 bytes a sender writes for that key and
/// counter; and the window gives, counter by counter, the verdicts of a plain model
/// that remembers every counter it accepted, so it never accepts one twice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    checkHeader(input)
    checkWindow(input)
    return 0
}

func checkHeader(_ input: UnsafeRawBufferPointer) {
    guard let base = input.baseAddress, let header = DataPacketFormat.header(of: base, length: input.count) else { return }
    guard input.count >= DataPacketFormat.overhead + 20 else { fatalError("a header read from a \(input.count)-byte datagram") }
    guard header.counter < DataPacketFormat.counterLimit else { fatalError("counter \(header.counter) is past the limit") }
    let written: [UInt8] = [DataPacketFormat.typeData, 0, 0, 0]
        + withUnsafeBytes(of: header.keyID.bigEndian, Array.init) + withUnsafeBytes(of: header.counter.bigEndian, Array.init)
    if !input.prefix(DataPacketFormat.headerLength).elementsEqual(written) {
        fatalError("header \(header) read from \(Array(input.prefix(16))), a sender writes \(written)")
    }
}

/// The window's specification: anything below the limit that is ahead of the highest counter, or
/// not more than `width` behind it and not accepted before, is accepted.
struct WindowModel {
    var highest: UInt64 = 0
    var accepted = Set<UInt64>()

    mutating func check(_ counter: UInt64) -> ReplayWindow.Verdict {
        if counter >= DataPacketFormat.counterLimit { return .outOfRange }
        if counter <= highest, highest - counter > ReplayWindow.width { return .tooOld }
        if !accepted.insert(counter).inserted { return .duplicate }
        highest = max(highest, counter)
        return .accepted
    }
}

/// Each step is an opcode byte and its operand: a whole counter, or a distance ahead of or behind
/// the highest counter, or one near the window's trailing edge, where off-by-ones live.
func checkWindow(_ input: UnsafeRawBufferPointer) {
    var window = ReplayWindow()
    var model = WindowModel()
    var bytes = input[...]
    func take(_ n: Int) -> UInt64? {
        guard bytes.count >= n else { return nil }
        defer { bytes = bytes.dropFirst(n) }
        return bytes.prefix(n).reduce(0) { $0 << 8 | UInt64($1) }
    }
    while let op = take(1) {
        let counter: UInt64
        switch op % 5 {
        case 0: guard let v = take(8) else { return }; counter = v
        case 1: guard let v = take(8) else { return }; counter = v % (DataPacketFormat.counterLimit + 64)
        case 2: guard let v = take(2) else { return }; counter = model.highest &+ v
        case 3: guard let v = take(2) else { return }; counter = model.highest >= v ? model.highest - v : v
        default:
            guard let v = take(1) else { return }
            let edge = model.highest >= ReplayWindow.width ? model.highest - ReplayWindow.width : 0
            counter = edge &+ v &- 128
        }
        let verdict = window.check(counter)
        let expected = model.check(counter)
        if verdict != expected { fatalError("counter \(counter) after highest \(window.highest): \(verdict), expected \(expected)") }
        if window.highest != model.highest { fatalError("highest is \(window.highest), expected \(model.highest)") }
    }
}
