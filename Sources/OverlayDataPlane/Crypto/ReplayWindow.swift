/// RFC 6479's sliding window, 8,128 packets wide as WireGuard's: a ring of
/// 64-bit blocks, so moving forward clears whole blocks instead of shifting
/// bits. Checked only after a packet authenticated, so forged counters
/// cannot move it.
public struct ReplayWindow: Sendable {
    static let blockBits: UInt64 = 64
    static let blocks = 128
    /// How far behind the highest counter seen a packet may still arrive.
    public static let width = UInt64(blocks - 1) * blockBits

    private var bitmap = [UInt64](repeating: 0, count: blocks)
    /// The highest counter accepted so far.
    public private(set) var highest: UInt64 = 0

    public init() {}

    public enum Verdict: Sendable, Equatable { case accepted, duplicate, tooOld, outOfRange }

    /// Accepts `counter` once; a second time, or once it fell behind the window, it is refused.
    public mutating func check(_ counter: UInt64) -> Verdict {
        guard counter < DataPacketFormat.counterLimit else { return .outOfRange }
        let block = counter / Self.blockBits
        if counter > highest {
            let current = highest / Self.blockBits
            let advance = min(block - current, UInt64(Self.blocks))
            var i: UInt64 = 1
            while i <= advance {
                bitmap[Int((current + i) % UInt64(Self.blocks))] = 0
                i += 1
            }
            highest = counter
        } else if highest - counter > Self.width {
            return .tooOld
        }
        let index = Int(block % UInt64(Self.blocks))
        let bit: UInt64 = 1 << (counter % Self.blockBits)
        if bitmap[index] & bit != 0 { return .duplicate }
        bitmap[index] |= bit
        return .accepted
    }
}
