/// The RFC 1071 Internet checksum, for the IPv4 header and TCP/UDP segments we split and merge.
///
/// Every segment of a super-segment needs a full TCP checksum, so this loop sees every byte
/// sent. Two choices keep it fast:
/// - Host-order words: RFC 1071 §2(B) shows the ones' complement sum is byte-order
///   independent, so summing native words and swapping once at the end gives the
///   network-order result without per-word byte swaps.
/// - Deferred carries: each 8-byte word is added as its two 32-bit halves into 64-bit
///   accumulators, so carries pile up in the upper half instead of needing an add-with-carry
///   per word. LLVM turned the carry-flag version into a branch per word (mispredicted on
///   random payload) and ran at half the speed; this form has no branches and vectorizes.
///   It cannot overflow below 2^35 bytes per call.
///
/// Values in the API are numeric (the number RFC 1071 talks about, e.g. `0xddf2`), unfolded
/// `UInt64` sums that can be chained through `initial`, and folded `UInt16`s. Store a final
/// checksum with `.bigEndian`.
public enum InternetChecksum {
    /// Ones' complement sum of `count` bytes starting at `bytes`, plus `initial`, unfolded.
    public static func sum(_ bytes: UnsafeRawPointer, count: Int, initial: UInt64 = 0) -> UInt64 {
        var a0: UInt64 = 0
        var a1: UInt64 = 0
        var p = bytes
        var n = count
        while n >= 32 {
            a0 = a0 &+ halves(p.loadUnaligned(as: UInt64.self))
                &+ halves(p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            a1 = a1 &+ halves(p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
                &+ halves(p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            p += 32
            n &-= 32
        }
        let acc = addCarry(addCarry(a0, a1), initial.bigEndian)
        return UInt64(bigEndian: sumTail(p, n, acc))
    }

    /// Copies `count` bytes to `destination` and sums them in the same pass, so a segment's
    /// payload is read once instead of twice (copy, then checksum). The ranges must not overlap.
    public static func copyAndSum(
        from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, count: Int,
        initial: UInt64 = 0
    ) -> UInt64 {
        var a0: UInt64 = 0
        var a1: UInt64 = 0
        var s = source
        var d = destination
        var n = count
        while n >= 32 {
            let w0 = s.loadUnaligned(as: UInt64.self)
            let w1 = s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let w2 = s.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            let w3 = s.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            d.storeBytes(of: w0, as: UInt64.self)
            d.storeBytes(of: w1, toByteOffset: 8, as: UInt64.self)
            d.storeBytes(of: w2, toByteOffset: 16, as: UInt64.self)
            d.storeBytes(of: w3, toByteOffset: 24, as: UInt64.self)
            a0 = a0 &+ halves(w0) &+ halves(w1)
            a1 = a1 &+ halves(w2) &+ halves(w3)
            s += 32
            d += 32
            n &-= 32
        }
        if n > 0 { d.copyMemory(from: s, byteCount: n) }
        let acc = addCarry(addCarry(a0, a1), initial.bigEndian)
        return UInt64(bigEndian: sumTail(s, n, acc))
    }

    /// Folds an unfolded sum to 16 bits with end-around carry (not complemented).
    @inline(__always)
    public static func fold(_ sum: UInt64) -> UInt16 {
        var s = (sum >> 32) &+ (sum & 0xffff_ffff)
        s = (s >> 16) &+ (s & 0xffff)
        s = (s >> 16) &+ (s & 0xffff)
        s = (s >> 16) &+ (s & 0xffff)
        return UInt16(truncatingIfNeeded: s)
    }

    /// The checksum to store: complement of the folded sum.
    public static func checksum(_ bytes: UnsafeRawPointer, count: Int, initial: UInt64 = 0) -> UInt16 {
        ~fold(sum(bytes, count: count, initial: initial))
    }

    /// The IPv4 header checksum of `length` header bytes, counting the checksum field (bytes
    /// 10–11) as zero whatever it holds, so the caller need not clear it first.
    public static func ipv4HeaderChecksum(_ header: UnsafeRawPointer, length: Int) -> UInt16 {
        let field = UInt16(bigEndian: header.loadUnaligned(fromByteOffset: 10, as: UInt16.self))
        // Adding ~field subtracts it in ones' complement arithmetic.
        return ~fold(addCarry(sum(header, count: length), UInt64(~field)))
    }

    /// Pseudo-header sum (RFC 793/768) for an L4 segment of `length` bytes in the IPv4 packet
    /// at `ipv4Header`: source and destination address, protocol, length.
    @inline(__always)
    public static func pseudoHeaderSumIPv4(ipv4Header: UnsafeRawPointer, protocol proto: UInt8, length: Int) -> UInt64 {
        let addresses = ipv4Header.loadUnaligned(fromByteOffset: 12, as: UInt64.self)
        let a = UInt64(bigEndian: addresses)
        return (a >> 32) &+ (a & 0xffff_ffff) &+ UInt64(proto) &+ UInt64(UInt32(truncatingIfNeeded: length))
    }

    /// Pseudo-header sum (RFC 8200 §8.1) for an upper-layer packet of `length` bytes in the
    /// IPv6 packet at `ipv6Header`.
    @inline(__always)
    public static func pseudoHeaderSumIPv6(ipv6Header: UnsafeRawPointer, nextHeader: UInt8, length: Int) -> UInt64 {
        var s = UInt64(nextHeader) &+ UInt64(UInt32(truncatingIfNeeded: length))
        var offset = 8
        while offset < 40 {
            let w = UInt64(bigEndian: ipv6Header.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            // Split into 32-bit halves so four of them cannot overflow the accumulator.
            s = s &+ (w >> 32) &+ (w & 0xffff_ffff)
            offset &+= 8
        }
        return s
    }

    /// The two 32-bit halves of a word, summed: at most 2^33 − 2, so many can be added
    /// without overflow, and the sum is congruent to the word modulo 2^16 − 1.
    @inline(__always)
    private static func halves(_ w: UInt64) -> UInt64 { (w & 0xffff_ffff) &+ (w >> 32) }

    @inline(__always)
    static func addCarry(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        // After an overflow s ≤ 2^64 − 2, so the end-around carry cannot overflow again.
        return s &+ (overflow ? 1 : 0)
    }

    /// Adds the last `n` (< 32) bytes to a host-order accumulator.
    @inline(__always)
    private static func sumTail(_ start: UnsafeRawPointer, _ count: Int, _ initial: UInt64) -> UInt64 {
        var acc = initial
        var p = start
        var n = count
        while n >= 8 {
            acc = addCarry(acc, p.loadUnaligned(as: UInt64.self))
            p += 8
            n &-= 8
        }
        if n >= 4 {
            acc = addCarry(acc, UInt64(p.loadUnaligned(as: UInt32.self)))
            p += 4
            n &-= 4
        }
        if n >= 2 {
            acc = addCarry(acc, UInt64(p.loadUnaligned(as: UInt16.self)))
            p += 2
            n &-= 2
        }
        if n == 1 {
            // A lone last byte is the high half of a zero-padded big-endian word.
            let word = UInt16(p.load(as: UInt8.self)) << 8
            acc = addCarry(acc, UInt64(UInt16(bigEndian: word)))
        }
        return acc
    }
}
