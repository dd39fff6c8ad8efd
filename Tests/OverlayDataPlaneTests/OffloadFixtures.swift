import OverlayDataPlane

/// Packets built byte by byte, and a deliberately naive checksum to judge the fast one by.
enum OffloadFixtures {
    enum L4Checksum { case complete, partial, zero }

    /// RFC 1071 the slow way: big-endian 16-bit words, odd byte padded, folded at the end.
    static func naiveSum(_ bytes: [UInt8], initial: UInt64 = 0) -> UInt16 {
        var s = initial
        var i = 0
        while i < bytes.count {
            let hi = UInt64(bytes[i])
            let lo = i + 1 < bytes.count ? UInt64(bytes[i + 1]) : 0
            s += hi << 8 | lo
            i += 2
        }
        while s > 0xffff { s = (s >> 16) + (s & 0xffff) }
        return UInt16(s)
    }

    static func naiveChecksum(_ bytes: [UInt8]) -> UInt16 { ~naiveSum(bytes) }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xffff)) }
    static func read16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) << 8 | UInt16(b[at + 1]) }
    static func read32(_ b: [UInt8], _ at: Int) -> UInt32 { UInt32(read16(b, at)) << 16 | UInt32(read16(b, at + 2)) }
    static func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { b[at] = UInt8(v >> 8); b[at + 1] = UInt8(v & 0xff) }

    /// The pseudo-header as bytes, for the naive reference.
    static func pseudoHeader(_ packet: [UInt8], l4Length: Int, proto: UInt8) -> [UInt8] {
        if packet[0] >> 4 == 4 {
            return Array(packet[12..<20]) + [0, proto] + be16(UInt16(truncatingIfNeeded: l4Length))
        }
        return Array(packet[8..<40]) + be32(UInt32(l4Length)) + [0, 0, 0, proto]
    }

    static func ipHeaderLength(_ p: [UInt8]) -> Int { p[0] >> 4 == 4 ? Int(p[0] & 0xf) * 4 : 40 }

    /// Whether the L4 checksum of a whole packet verifies (naively).
    static func l4ChecksumValid(_ p: [UInt8], proto: UInt8 = 6) -> Bool {
        let ip = ipHeaderLength(p)
        let l4 = Array(p[ip...])
        return naiveSum(pseudoHeader(p, l4Length: l4.count, proto: proto) + l4) == 0xffff
    }

    static func ipv4HeaderValid(_ p: [UInt8]) -> Bool { naiveSum(Array(p[0..<ipHeaderLength(p)])) == 0xffff }

    struct TCP {
        var srcPort: UInt16 = 40000
        var dstPort: UInt16 = 5201
        var seq: UInt32 = 0xfffff000  // wraps inside a 64 KB super-segment
        var ack: UInt32 = 0x01020304
        var flags: UInt8 = 0x10
        var window: UInt16 = 502
        /// NOP NOP timestamps: the options Linux sends on every data segment.
        var options: [UInt8] = [1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78]
        var payload: [UInt8] = []
        var checksum: L4Checksum = .complete

        func header() -> [UInt8] {
            let length = 20 + options.count
            precondition(length % 4 == 0)
            return be16(srcPort) + be16(dstPort) + be32(seq) + be32(ack)
                + [UInt8(length / 4) << 4, flags] + be16(window) + [0, 0, 0, 0] + options
        }
    }

    /// Fills in the L4 checksum at `at` (offset in the L4 header) of a finished IP packet.
    static func finishChecksum(_ p: inout [UInt8], mode: L4Checksum, proto: UInt8, at: Int) {
        let ip = ipHeaderLength(p)
        put16(&p, ip + at, 0)
        let pseudo = pseudoHeader(p, l4Length: p.count - ip, proto: proto)
        switch mode {
        case .zero: break
        case .partial: put16(&p, ip + at, naiveSum(pseudo))
        case .complete: put16(&p, ip + at, ~naiveSum(pseudo + Array(p[ip...])))
        }
    }

    static func ipv4(
        _ l4: [UInt8], proto: UInt8 = 6, src: [UInt8] = [100, 64, 0, 1], dst: [UInt8] = [100, 64, 0, 2],
        id: UInt16 = 0x1234, ttl: UInt8 = 64, tos: UInt8 = 0, df: Bool = true, mf: Bool = false,
        options: [UInt8] = []
    ) -> [UInt8] {
        let ihl = 5 + options.count / 4
        let total = ihl * 4 + l4.count
        var h: [UInt8] = [0x40 | UInt8(ihl), tos] + be16(UInt16(truncatingIfNeeded: total)) + be16(id)
            + be16((df ? 0x4000 : 0) | (mf ? 0x2000 : 0)) + [ttl, proto, 0, 0] + src + dst + options
        put16(&h, 10, naiveChecksum(h))
        return h + l4
    }

    static func ipv6(
        _ l4: [UInt8], next: UInt8 = 6, src: [UInt8]? = nil, dst: [UInt8]? = nil,
        trafficClass: UInt8 = 0, flowLabel: UInt32 = 0x12345, hopLimit: UInt8 = 64
    ) -> [UInt8] {
        let s = src ?? [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        let d = dst ?? [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 2]
        let first = UInt32(6) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xfffff)
        return be32(first) + be16(UInt16(truncatingIfNeeded: l4.count)) + [next, hopLimit] + s + d + l4
    }

    static func tcpv4(_ tcp: TCP, src: [UInt8] = [100, 64, 0, 1], dst: [UInt8] = [100, 64, 0, 2],
                      id: UInt16 = 0x1234, ttl: UInt8 = 64, tos: UInt8 = 0, df: Bool = true, mf: Bool = false,
                      ipOptions: [UInt8] = []) -> [UInt8] {
        var p = ipv4(tcp.header() + tcp.payload, src: src, dst: dst, id: id, ttl: ttl, tos: tos, df: df, mf: mf,
                     options: ipOptions)
        finishChecksum(&p, mode: tcp.checksum, proto: 6, at: 16)
        return p
    }

    static func tcpv6(_ tcp: TCP, src: [UInt8]? = nil, dst: [UInt8]? = nil, trafficClass: UInt8 = 0,
                      flowLabel: UInt32 = 0x12345, hopLimit: UInt8 = 64) -> [UInt8] {
        var p = ipv6(tcp.header() + tcp.payload, src: src, dst: dst, trafficClass: trafficClass,
                     flowLabel: flowLabel, hopLimit: hopLimit)
        finishChecksum(&p, mode: tcp.checksum, proto: 6, at: 16)
        return p
    }

    static func udp(srcPort: UInt16 = 1234, dstPort: UInt16 = 53, payload: [UInt8]) -> [UInt8] {
        be16(srcPort) + be16(dstPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// A payload whose bytes are not periodic at the MSS, so a misplaced chunk shows.
    static func payload(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// What the kernel reads out of a TUN for a TSO super-segment: NEEDS_CSUM, partial checksum.
    static func superSegment(v6: Bool, payload count: Int, mss: UInt16, flags: UInt8 = 0x18,
                             gsoFlags: UInt8 = 0) -> (VirtioNetHeader, [UInt8]) {
        var tcp = TCP(flags: flags, payload: payload(count), checksum: .partial)
        tcp.seq = 0xffff_0000
        let p = v6 ? tcpv6(tcp) : tcpv4(tcp)
        let ip = v6 ? 40 : 20
        let h = VirtioNetHeader(
            flags: VirtioNetHeader.flagNeedsCsum,
            gsoType: (v6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4) | gsoFlags,
            hdrLen: UInt16(ip + 32), gsoSize: mss, csumStart: UInt16(ip), csumOffset: 16)
        return (h, p)
    }

    /// Runs the splitter into a fresh buffer; returns the segments as arrays, and the raw
    /// buffer for checks on head- and tailroom.
    static func split(
        _ header: VirtioNetHeader, _ packet: [UInt8], headroom: Int = 0, tailroom: Int = 0, capacity: Int? = nil
    ) throws(OffloadError) -> (SplitResult, [[UInt8]], [UInt8]) {
        let cap = capacity ?? (packet.count / max(1, Int(header.gsoSize)) + 2) * (headroom + tailroom + 200)
            + packet.count * 2 + 256
        var buffer = [UInt8](repeating: 0xee, count: cap)
        let result: Result<SplitResult, OffloadError> = buffer.withUnsafeMutableBytes { out in
            packet.withUnsafeBytes { input in
                Result { () throws(OffloadError) -> SplitResult in
                    try SegmentSplitter.split(
                        header: header, packet: input,
                        into: SegmentLayout(base: out.baseAddress!, capacity: cap, headroom: headroom, tailroom: tailroom))
                }
            }
        }
        let r = try result.get()
        var segments: [[UInt8]] = []
        for i in 0..<r.count {
            let start = i * r.stride + headroom
            let length = i == r.count - 1 ? r.lastLength : r.segmentLength
            segments.append(Array(buffer[start..<start + length]))
        }
        return (r, segments, buffer)
    }

    /// Feeds packets the way the receive worker does; returns each TUN write.
    static func coalesce(_ packets: [[UInt8]], _ c: TCPCoalescer = TCPCoalescer()) -> [[UInt8]] {
        var writes: [[UInt8]] = []
        for p in packets {
            p.withUnsafeBytes { b in
                if !c.append(b) {
                    c.flush { writes.append(Array($0)) }
                    _ = c.append(b)
                }
            }
        }
        c.flush { writes.append(Array($0)) }
        return writes
    }
}

/// Deterministic, so a failing random case can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
