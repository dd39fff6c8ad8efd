import Testing
import OverlayDataPlane

@Suite("TCP coalescer")
struct TCPCoalescerTests {
    typealias F = OffloadFixtures
    typealias TCP = OffloadFixtures.TCP

    static func header(_ write: [UInt8]) -> VirtioNetHeader {
        write.withUnsafeBytes { VirtioNetHeader(reading: $0.baseAddress!) }
    }

    /// Completes a CHECKSUM_PARTIAL TCP checksum the way the kernel would.
    static func completed(_ packet: [UInt8], start: Int) -> [UInt8] {
        var p = packet
        F.put16(&p, start + 16, ~F.naiveSum(Array(p[start...])))
        return p
    }

    @Test("split then coalesce gives back the original super-segment, header fields and all", arguments: [false, true])
    func roundTrip(v6: Bool) throws {
        let (h, original) = F.superSegment(v6: v6, payload: 65535 - (v6 ? 72 : 52), mss: 1448, flags: 0x18)
        let (_, segments, _) = try F.split(h, original, headroom: 16, tailroom: 16)
        #expect(segments.count == 46)
        let writes = F.coalesce(segments)
        try #require(writes.count == 1)
        let out = Self.header(writes[0])
        let ip = v6 ? 40 : 20
        #expect(out == VirtioNetHeader(flags: VirtioNetHeader.flagNeedsCsum,
                                       gsoType: v6 ? VirtioNetHeader.gsoTCPv6 : VirtioNetHeader.gsoTCPv4,
                                       hdrLen: UInt16(ip + 32), gsoSize: 1448, csumStart: UInt16(ip), csumOffset: 16))
        let merged = Array(writes[0][VirtioNetHeader.size...])
        // The fixture's super-segment carries the same folded pseudo-header seed Linux
        // expects, so every byte matches: lengths, first ID and seq, PSH, seed, payload.
        #expect(merged == original)
        let full = Self.completed(merged, start: ip)
        #expect(F.l4ChecksumValid(full))
        if !v6 { #expect(F.ipv4HeaderValid(merged)) }

        // And the merged write splits again into the same segments.
        let (_, again, _) = try F.split(out, merged, headroom: 16, tailroom: 16)
        #expect(again == segments)
    }

    @Test("a single packet leaves untouched behind a zero virtio header")
    func lone() {
        let p = F.tcpv4(TCP(payload: F.payload(500)))
        let c = TCPCoalescer()
        #expect(c.isEmpty)
        let writes = F.coalesce([p], c)
        #expect(writes == [[UInt8](repeating: 0, count: 10) + p])
        #expect(c.isEmpty)
        var called = false
        c.flush { _ in called = true }
        #expect(!called, "flush of an empty coalescer wrote")
    }

    /// Appends `first` then `second` to a fresh coalescer; whether `second` joined.
    static func joins(_ first: [UInt8], _ second: [UInt8], verify: Bool = true) -> Bool {
        let c = TCPCoalescer(verifyChecksums: verify)
        let ok1 = first.withUnsafeBytes { c.append($0) }
        #expect(ok1, "an empty coalescer refused a packet")
        let joined = second.withUnsafeBytes { c.append($0) }
        if !joined {
            // The refused packet must then be accepted alone after a flush, and the pending one
            // must have left unchanged.
            var writes: [[UInt8]] = []
            c.flush { writes.append(Array($0)) }
            #expect(writes == [[UInt8](repeating: 0, count: 10) + first])
            #expect(second.withUnsafeBytes { c.append($0) })
        }
        return joined
    }

    static let base = TCP(seq: 1000, flags: 0x10, payload: F.payload(1000))
    static func next(_ t: TCP = base, _ change: (inout TCP) -> Void = { _ in }) -> TCP {
        var n = t
        n.seq = t.seq &+ UInt32(t.payload.count)
        n.payload = F.payload(t.payload.count, seed: UInt64(t.seq))
        change(&n)
        return n
    }

    @Test("in-order segments of one flow join, v4 and v6")
    func joinsInOrder() {
        #expect(Self.joins(F.tcpv4(Self.base), F.tcpv4(Self.next())))
        #expect(Self.joins(F.tcpv6(Self.base), F.tcpv6(Self.next())))
        // Sequence numbers wrap.
        var wrapping = Self.base
        wrapping.seq = UInt32.max - 499
        #expect(Self.joins(F.tcpv4(wrapping), F.tcpv4(Self.next(wrapping))))
        // Without DF, IDs must count up like TSO would renumber them.
        #expect(Self.joins(F.tcpv4(Self.base, id: 7, df: false), F.tcpv4(Self.next(), id: 8, df: false)))
        #expect(!Self.joins(F.tcpv4(Self.base, id: 7, df: false), F.tcpv4(Self.next(), id: 7, df: false)))
        // With DF, they need not.
        #expect(Self.joins(F.tcpv4(Self.base, id: 7), F.tcpv4(Self.next(), id: 7)))
    }

    @Test("refuses out-of-order and retransmitted sequence numbers")
    func order() {
        let a = F.tcpv4(Self.base)
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.seq &+= 1 })))
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.seq = Self.base.seq })))
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.seq &-= 1000 })))
    }

    @Test("refuses another flow: ports, addresses, IP version")
    func flows() {
        let a = F.tcpv4(Self.base)
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.srcPort &+= 1 })))
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.dstPort &+= 1 })))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), src: [100, 64, 0, 9])))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), dst: [100, 64, 0, 9])))
        #expect(!Self.joins(a, F.tcpv6(Self.next())))
        var src6 = [UInt8](repeating: 0xfd, count: 16)
        src6[15] = 3
        #expect(!Self.joins(F.tcpv6(Self.base), F.tcpv6(Self.next(), src: src6)))
    }

    @Test("refuses differing ACK, window, options, IP fields")
    func fields() {
        let a = F.tcpv4(Self.base)
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.ack &+= 1 })))
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.window &+= 1 })))
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.options[11] &+= 1 })))  // timestamp
        #expect(!Self.joins(a, F.tcpv4(Self.next { $0.options = [] })))       // header length
        var ae = F.tcpv4(Self.next())
        ae[32] |= 0x01  // the AE (ex-NS) bit beside the data offset
        F.finishChecksum(&ae, mode: .complete, proto: 6, at: 16)
        #expect(!Self.joins(a, ae))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), ttl: 63)))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), tos: 2)))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), df: false)))
        let b = F.tcpv6(Self.base)
        #expect(!Self.joins(b, F.tcpv6(Self.next(), hopLimit: 1)))
        #expect(!Self.joins(b, F.tcpv6(Self.next(), trafficClass: 4)))
        #expect(!Self.joins(b, F.tcpv6(Self.next(), flowLabel: 1)))
    }

    @Test("SYN, FIN, RST, URG, ECE/CWR, pure ACKs never join; a lone one is accepted and blocks joins")
    func flags() {
        let a = F.tcpv4(Self.base)
        for flags: UInt8 in [0x12, 0x11, 0x19, 0x14, 0x30, 0x50, 0x90, 0x02, 0x00] {
            let odd = F.tcpv4(Self.next { $0.flags = flags })
            #expect(!Self.joins(a, odd), "flags \(flags) joined")
            // Lone first: accepted, then nothing joins it, even a perfect follower.
            #expect(!Self.joins(odd, F.tcpv4(Self.next(Self.next()))), "joined after flags \(flags)")
        }
        let pureACK = F.tcpv4(Self.next { $0.payload = [] })
        #expect(!Self.joins(a, pureACK))
        #expect(!Self.joins(pureACK, F.tcpv4(Self.next())))
    }

    @Test("nothing joins after PSH; PSH may end a run and is kept")
    func push() throws {
        let psh = F.tcpv4(TCP(seq: 1000, flags: 0x18, payload: F.payload(1000)))
        #expect(!Self.joins(psh, F.tcpv4(Self.next())))
        let last = F.tcpv4(Self.next { $0.flags = 0x18 })
        let writes = F.coalesce([F.tcpv4(Self.base), last, F.tcpv4(Self.next(Self.next()))])
        try #require(writes.count == 2)
        #expect(writes[0][10 + 33] == 0x18, "PSH not carried into the merged header")
        #expect(Self.header(writes[0]).gsoType == VirtioNetHeader.gsoTCPv4)
    }

    @Test("a short segment ends the run; a longer one cannot follow a shorter first")
    func sizes() throws {
        let short = F.tcpv4(Self.next { $0.payload = F.payload(300) })
        let writes = F.coalesce([F.tcpv4(Self.base), short, F.tcpv4(Self.next(Self.next { $0.payload = F.payload(300) }))])
        try #require(writes.count == 2)
        #expect(Self.header(writes[0]).gsoSize == 1000)
        #expect(writes[0].count == 10 + 52 + 1300)

        var small = Self.base
        small.payload = F.payload(500)
        #expect(!Self.joins(F.tcpv4(small), F.tcpv4(Self.next(small) { $0.payload = F.payload(501) })))
    }

    @Test("refuses IPv4 options and fragments; accepts them alone")
    func ipv4Oddities() {
        let a = F.tcpv4(Self.base)
        let options = F.tcpv4(Self.next(), ipOptions: [1, 1, 1, 0])
        #expect(!Self.joins(a, options))
        #expect(!Self.joins(options, F.tcpv4(Self.next(Self.next()), ipOptions: [1, 1, 1, 0])))
        #expect(!Self.joins(a, F.tcpv4(Self.next(), df: false, mf: true)))
        // Fragments whose IP fields match each other still never merge.
        #expect(!Self.joins(F.tcpv4(Self.base, id: 1, df: false, mf: true), F.tcpv4(Self.next(), id: 2, df: false, mf: true)))
        func atOffset128(_ p: [UInt8]) -> [UInt8] {  // a last fragment: MF clear, offset 16 × 8
            var q = p
            q[7] = 0x10
            F.put16(&q, 10, 0)
            F.put16(&q, 10, F.naiveChecksum(Array(q[0..<20])))
            return q
        }
        #expect(!Self.joins(atOffset128(F.tcpv4(Self.base, id: 1, df: false)), atOffset128(F.tcpv4(Self.next(), id: 2, df: false))))
        var corrupt = F.tcpv4(Self.next())
        corrupt[8] = 63  // TTL changed without fixing the header checksum
        #expect(!Self.joins(F.tcpv4(Self.base, ttl: 63), corrupt))
        let udp = F.ipv4(F.udp(payload: F.payload(100)), proto: 17)
        #expect(!Self.joins(a, udp))
        #expect(!Self.joins(udp, a))
    }

    @Test("a bad TCP checksum is refused (and kept lone); with verification off it joins")
    func checksums() {
        var bad = F.tcpv4(Self.next())
        bad[bad.count - 1] ^= 1
        #expect(!Self.joins(F.tcpv4(Self.base), bad))
        #expect(Self.joins(F.tcpv4(Self.base), bad, verify: false))
        var badFirst = F.tcpv4(Self.base)
        badFirst[badFirst.count - 1] ^= 1
        #expect(!Self.joins(badFirst, F.tcpv4(Self.next())))
    }

    @Test("at most 64 segments and 65,535 bytes")
    func limits() throws {
        var t = TCP(seq: 1, flags: 0x10, payload: F.payload(100))
        var packets: [[UInt8]] = []
        for _ in 0..<65 { packets.append(F.tcpv4(t)); t = Self.next(t) }
        let writes = F.coalesce(packets)
        try #require(writes.count == 2)
        #expect(writes[0].count == 10 + 52 + 64 * 100)
        #expect(writes[1] == [UInt8](repeating: 0, count: 10) + packets[64])

        let (h, big) = F.superSegment(v6: false, payload: 60 * 1448, mss: 1448)
        let (_, segments, _) = try F.split(h, big)
        let bigWrites = F.coalesce(segments)
        try #require(bigWrites.count == 2)
        #expect(bigWrites[0].count == 10 + 52 + 45 * 1448)  // 52 + 46 × 1448 > 65535
        #expect(Self.header(bigWrites[1]).gsoType == VirtioNetHeader.gsoTCPv4)
        // Both halves complete to valid checksums and together hold the whole payload.
        let a = Array(bigWrites[0][10...]), b = Array(bigWrites[1][10...])
        #expect(F.l4ChecksumValid(Self.completed(a, start: 20)) && F.l4ChecksumValid(Self.completed(b, start: 20)))
        #expect(Array(a[52...]) + Array(b[52...]) == Array(big[52...]))
        #expect(Int(F.read16(a, 2)) == a.count && Int(F.read16(b, 2)) == b.count)
        #expect(F.ipv4HeaderValid(a) && F.ipv4HeaderValid(b))
    }

    @Test("packets no TUN takes are refused even when empty")
    func undeliverable() {
        let c = TCPCoalescer()
        #expect(![UInt8]().withUnsafeBytes { c.append($0) })
        #expect([UInt8](repeating: 0x45, count: 65536).withUnsafeBytes { !c.append($0) })
        #expect(c.isEmpty)
        // A tiny non-IP packet is still accepted alone; the kernel judges it.
        #expect([UInt8]([0x45]).withUnsafeBytes { c.append($0) })
        #expect(!c.isEmpty)
    }

    @Test("random and mangled packets never trap; whatever is written is what was appended, in order")
    func fuzz() throws {
        var rng = SplitMix64(seed: 5)
        let (h, ss) = F.superSegment(v6: false, payload: 20000, mss: 1000)
        let (_, segments, _) = try F.split(h, ss)
        let c = TCPCoalescer()
        for _ in 0..<2000 {
            var p = segments.randomElement(using: &rng)!
            if Bool.random(using: &rng) {
                p[Int.random(in: 0..<60, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { p = Array(p[0..<Int.random(in: 1...p.count, using: &rng)]) }
            p.withUnsafeBytes { b in
                if !c.append(b) {
                    c.flush { w in #expect(w.count >= 10 && w.count <= 10 + 65535) }
                    #expect(c.append(b))
                }
            }
        }
    }
}
