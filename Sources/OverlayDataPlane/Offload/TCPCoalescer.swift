/// The receive half of TUN offload (software GRO): consecutive in-order TCP segments of one
/// flow, decrypted one by one, leave as one super-segment per TUN `write`, so the kernel's
/// per-packet cost on the receiving side drops like it does for TSO on the sending side.
///
/// The merge rules follow Linux's `tcp_gro_receive`: anything that changes how the receiver's
/// TCP would treat a segment (flags, ACK, window, options, IP fields) stops a merge, so the
/// super-segment is indistinguishable from the segments it replaces.
///
/// Each candidate's TCP checksum is verified while its payload is copied (one pass): a merged
/// write carries `NEEDS_CSUM`, so the kernel would never check it, and a segment corrupted
/// before it reached the sending node would otherwise be delivered. A segment that fails stays
/// a lone packet, which the kernel checks and drops. Not thread-safe: one per worker.
public final class TCPCoalescer {
    /// Virtio header plus the largest IP packet.
    public static let bufferSize = VirtioNetHeader.size + 65535
    static let maxSegments = 64
    static let tcpACK: UInt8 = 0x10
    static let tcpPSH: UInt8 = 0x08

    private let buffer: UnsafeMutableRawPointer
    private let verifyChecksums: Bool
    private var packets = 0
    /// IP bytes pending at `buffer + VirtioNetHeader.size`.
    private var length = 0
    private var mergeable = false
    /// A PSH or a short segment ended the super-segment, or the segment limit was reached.
    private var closed = false
    private var isV6 = false
    private var ipLen = 0
    private var tcpLen = 0
    private var gsoSize = 0
    private var nextSeq: UInt32 = 0
    private var firstID: UInt16 = 0

    /// `verifyChecksums: false` skips the per-segment TCP checksum check (see the type's doc).
    public init(verifyChecksums: Bool = true) {
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
        self.verifyChecksums = verifyChecksums
    }

    deinit { buffer.deallocate() }

    public var isEmpty: Bool { packets == 0 }

    /// Appends one decrypted IP packet. Returns false when it cannot join the pending
    /// super-segment (the caller then calls flush and appends again; a packet that can never
    /// be merged — non-TCP, fragments, IPv4 options, SYN/FIN/RST/URG, … — is still accepted as
    /// a lone pending packet when nothing is pending). Returns false even when empty only for
    /// an empty packet or one over 65,535 bytes, which no TUN accepts: drop it.
    public func append(_ packet: UnsafeRawBufferPointer) -> Bool {
        let n = packet.count
        guard let p = packet.baseAddress, n > 0, n <= 65535 else { return false }
        let c = Self.candidate(p, n)
        if packets == 0 {
            start(p, n, c)
            return true
        }
        guard mergeable, !closed, let c, canJoin(p, n, c) else { return false }

        let payload = n &- ipLen &- tcpLen
        let dst = buffer + VirtioNetHeader.size + length
        let src = p + ipLen + tcpLen
        if verifyChecksums {
            var s = pseudoSum(p, n &- ipLen)
            s = InternetChecksum.sum(p + ipLen, count: tcpLen, initial: s)
            s = InternetChecksum.copyAndSum(from: src, to: dst, count: payload, initial: s)
            // The copied bytes lie past `length`, so a refusal leaves nothing behind.
            guard InternetChecksum.fold(s) == 0xffff else { return false }
        } else {
            dst.copyMemory(from: src, byteCount: payload)
        }
        length &+= payload
        packets &+= 1
        nextSeq &+= UInt32(truncatingIfNeeded: payload)
        if c.psh {
            let flags = buffer + VirtioNetHeader.size + ipLen + 13
            flags.storeBytes(of: flags.load(as: UInt8.self) | Self.tcpPSH, as: UInt8.self)
            closed = true
        }
        if payload < gsoSize || packets == Self.maxSegments { closed = true }
        return true
    }

    /// Hands the pending bytes (virtio header + packet) to `write`, then resets.
    public func flush(_ write: (UnsafeRawBufferPointer) -> Void) {
        guard packets > 0 else { return }
        let ip = buffer + VirtioNetHeader.size
        var header = VirtioNetHeader()
        if packets > 1 {
            if isV6 {
                SegmentSplitter.store16(ip, 4, UInt16(truncatingIfNeeded: length &- 40))
            } else {
                SegmentSplitter.store16(ip, 2, UInt16(truncatingIfNeeded: length))
                SegmentSplitter.store16(ip, 10, InternetChecksum.ipv4HeaderChecksum(ip, length: ipLen))
            }
            // CHECKSUM_PARTIAL: the kernel adds the TCP header and payload to this seed.
            let seed = InternetChecksum.fold(pseudoSum(ip, length &- ipLen))
            SegmentSplitter.store16(ip + ipLen, 16, seed)
            header = VirtioNetHeader(
                flags: VirtioNetHeader.flagNeedsCsum,
                gsoType: isV6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
                hdrLen: UInt16(truncatingIfNeeded: ipLen &+ tcpLen),
                gsoSize: UInt16(truncatingIfNeeded: gsoSize),
                csumStart: UInt16(truncatingIfNeeded: ipLen),
                csumOffset: 16)
        }
        header.write(to: buffer)
        let total = VirtioNetHeader.size &+ length
        packets = 0
        length = 0
        mergeable = false
        closed = false
        write(UnsafeRawBufferPointer(start: buffer, count: total))
    }

    // MARK: - Candidates

    private struct Candidate {
        var isV6: Bool
        var ipLen: Int
        var tcpLen: Int
        var seq: UInt32
        var psh: Bool
    }

    /// A packet that could take part in a merge on its own terms, whatever is pending.
    @inline(__always)
    private static func candidate(_ p: UnsafeRawPointer, _ n: Int) -> Candidate? {
        guard n >= 40 else { return nil }
        let ipLen: Int
        let isV6: Bool
        let first = p.load(as: UInt8.self)
        if first == 0x45 {
            // IHL 5 only: options could differ per segment and Linux does not merge them either.
            guard p.load(fromByteOffset: 9, as: UInt8.self) == 6,
                  Int(SegmentSplitter.load16(p, 2)) == n,
                  SegmentSplitter.load16(p, 6) & 0x3fff == 0,  // MF clear, offset 0
                  InternetChecksum.fold(InternetChecksum.sum(p, count: 20)) == 0xffff
            else { return nil }
            ipLen = 20
            isV6 = false
        } else if first >> 4 == 6 {
            guard n >= 60, p.load(fromByteOffset: 6, as: UInt8.self) == 6,
                  Int(SegmentSplitter.load16(p, 4)) == n &- 40
            else { return nil }
            ipLen = 40
            isV6 = true
        } else {
            return nil
        }
        let tcpLen = Int(p.load(fromByteOffset: ipLen + 12, as: UInt8.self) >> 4) &* 4
        // Also requires a payload: pure ACKs carry no data to merge.
        guard tcpLen >= 20, ipLen &+ tcpLen < n else { return nil }
        let flags = p.load(fromByteOffset: ipLen + 13, as: UInt8.self)
        guard flags == tcpACK || flags == tcpACK | tcpPSH else { return nil }
        let seq = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: ipLen + 4, as: UInt32.self))
        return Candidate(isV6: isV6, ipLen: ipLen, tcpLen: tcpLen, seq: seq, psh: flags & tcpPSH != 0)
    }

    private func start(_ p: UnsafeRawPointer, _ n: Int, _ c: Candidate?) {
        let dst = buffer + VirtioNetHeader.size
        packets = 1
        length = n
        closed = false
        guard let c else {
            dst.copyMemory(from: p, byteCount: n)
            mergeable = false
            return
        }
        if verifyChecksums {
            dst.copyMemory(from: p, byteCount: c.ipLen)
            let pseudo = c.isV6
                ? InternetChecksum.pseudoHeaderSumIPv6(ipv6Header: p, nextHeader: 6, length: n &- c.ipLen)
                : InternetChecksum.pseudoHeaderSumIPv4(ipv4Header: p, protocol: 6, length: n &- c.ipLen)
            let s = InternetChecksum.copyAndSum(from: p + c.ipLen, to: dst + c.ipLen, count: n &- c.ipLen, initial: pseudo)
            mergeable = InternetChecksum.fold(s) == 0xffff
        } else {
            dst.copyMemory(from: p, byteCount: n)
            mergeable = true
        }
        isV6 = c.isV6
        ipLen = c.ipLen
        tcpLen = c.tcpLen
        gsoSize = n &- c.ipLen &- c.tcpLen
        nextSeq = c.seq &+ UInt32(truncatingIfNeeded: gsoSize)
        firstID = SegmentSplitter.load16(p, 4)
        closed = c.psh
    }

    /// Everything but the checksum: same flow and IP fields, next in sequence, same TCP
    /// header apart from sequence number, PSH and checksum, and room left.
    @inline(__always)
    private func canJoin(_ p: UnsafeRawPointer, _ n: Int, _ c: Candidate) -> Bool {
        guard c.isV6 == isV6, c.tcpLen == tcpLen, c.seq == nextSeq else { return false }
        let payload = n &- ipLen &- tcpLen
        guard payload <= gsoSize, length &+ payload <= 65535 else { return false }
        let q = UnsafeRawPointer(buffer + VirtioNetHeader.size)
        if isV6 {
            // Version, traffic class, flow label; hop limit; addresses.
            guard q.loadUnaligned(as: UInt32.self) == p.loadUnaligned(as: UInt32.self),
                  q.load(fromByteOffset: 7, as: UInt8.self) == p.load(fromByteOffset: 7, as: UInt8.self),
                  same(q, p, 8, 32)
            else { return false }
        } else {
            // TOS; DF and reserved bit (MF/offset are zero in both); TTL; addresses.
            guard q.load(fromByteOffset: 1, as: UInt8.self) == p.load(fromByteOffset: 1, as: UInt8.self),
                  SegmentSplitter.load16(q, 6) == SegmentSplitter.load16(p, 6),
                  q.load(fromByteOffset: 8, as: UInt8.self) == p.load(fromByteOffset: 8, as: UInt8.self),
                  same(q, p, 12, 8)
            else { return false }
            // Without DF the ID matters for reassembly, and TSO would renumber from the first.
            if SegmentSplitter.load16(p, 6) & 0x4000 == 0,
               SegmentSplitter.load16(p, 4) != firstID &+ UInt16(truncatingIfNeeded: packets) {
                return false
            }
        }
        let t = ipLen
        // Ports; ACK number; data offset and reserved bits; window (Linux compares it too);
        // options. Flags were vetted by `candidate` and the pending PSH by `closed`.
        return same(q, p, t, 4) && same(q, p, t &+ 8, 5)
            && same(q, p, t &+ 14, 2) && same(q, p, t &+ 20, tcpLen &- 20)
    }

    @inline(__always)
    private func same(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ offset: Int, _ count: Int) -> Bool {
        var i = offset
        let end = offset &+ count
        while i &+ 4 <= end {
            guard a.loadUnaligned(fromByteOffset: i, as: UInt32.self) == b.loadUnaligned(fromByteOffset: i, as: UInt32.self)
            else { return false }
            i &+= 4
        }
        while i < end {
            guard a.load(fromByteOffset: i, as: UInt8.self) == b.load(fromByteOffset: i, as: UInt8.self) else { return false }
            i &+= 1
        }
        return true
    }

    @inline(__always)
    private func pseudoSum(_ ip: UnsafeRawPointer, _ tcpLength: Int) -> UInt64 {
        isV6
            ? InternetChecksum.pseudoHeaderSumIPv6(ipv6Header: ip, nextHeader: 6, length: tcpLength)
            : InternetChecksum.pseudoHeaderSumIPv4(ipv4Header: ip, protocol: 6, length: tcpLength)
    }
}
