import Testing
import OverlayDataPlane

@Suite("Internet checksum")
struct InternetChecksumTests {
    typealias F = OffloadFixtures

    static func fastSum(_ b: [UInt8], offset: Int = 0, initial: UInt64 = 0) -> UInt16 {
        // Copy behind `offset` padding bytes so the loads are misaligned on purpose.
        let padded = [UInt8](repeating: 0x5a, count: offset) + b
        return padded.withUnsafeBytes {
            InternetChecksum.fold(InternetChecksum.sum($0.baseAddress! + offset, count: b.count, initial: initial))
        }
    }

    @Test("RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2")
    func rfc1071() {
        let b: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        #expect(Self.fastSum(b) == 0xddf2)
        #expect(b.withUnsafeBytes { InternetChecksum.checksum($0.baseAddress!, count: 8) } == 0x220d)
    }

    @Test("a captured IPv4 header: checksum b861, and the whole header verifies")
    func capturedIPv4Header() {
        // 192.168.0.1 → 192.168.0.199, UDP, total length 115, DF.
        let h: [UInt8] = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
                          0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]
        #expect(h.withUnsafeBytes { InternetChecksum.ipv4HeaderChecksum($0.baseAddress!, length: 20) } == 0xb861)
        #expect(Self.fastSum(h) == 0xffff)
        var zeroed = h
        zeroed[10] = 0; zeroed[11] = 0
        #expect(zeroed.withUnsafeBytes { InternetChecksum.checksum($0.baseAddress!, count: 20) } == 0xb861)
        // The existing field value must not leak into the result.
        var garbage = h
        garbage[10] = 0x12; garbage[11] = 0x34
        #expect(garbage.withUnsafeBytes { InternetChecksum.ipv4HeaderChecksum($0.baseAddress!, length: 20) } == 0xb861)
    }

    @Test("matches the naive 16-bit reference on random buffers, every length 0...300, every misalignment")
    func randomAgainstNaive() {
        var rng = SplitMix64(seed: 7)
        for length in 0...300 {
            let b = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let initial = UInt64(UInt32.random(in: 0...UInt32.max, using: &rng))
            for offset in 0..<8 {
                #expect(Self.fastSum(b, offset: offset, initial: initial) == F.naiveSum(b, initial: initial),
                        "length \(length) offset \(offset)")
            }
        }
        for length in [1499, 1500, 9001, 65535] {
            let b = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Self.fastSum(b, offset: 3) == F.naiveSum(b), "length \(length)")
        }
    }

    @Test("carries: 64 KB of ff and of alternating extremes")
    func carries() {
        let ones = [UInt8](repeating: 0xff, count: 65535)
        #expect(Self.fastSum(ones) == F.naiveSum(ones))
        #expect(Self.fastSum(ones, initial: UInt64.max) == F.naiveSum(ones, initial: 0xffff))
        let mixed = (0..<65536).map { $0 % 3 == 0 ? UInt8(0xff) : UInt8($0 & 0xff) }
        #expect(Self.fastSum(mixed, offset: 1) == F.naiveSum(mixed))
        #expect(Self.fastSum([]) == 0)
    }

    @Test("fold equals repeated end-around carry on edge and random 64-bit sums")
    func fold() {
        func naive(_ v: UInt64) -> UInt16 {
            var s = v
            while s > 0xffff { s = (s >> 16) &+ (s & 0xffff) }
            return UInt16(s)
        }
        var rng = SplitMix64(seed: 13)
        let edges: [UInt64] = [0, 1, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, 0xffff_fffe_ffff_ffff,
                               0xffff_ffff_0000_ffff, 0x0001_ffff_ffff_ffff, .max, .max - 1]
        for v in edges + (0..<10_000).map({ _ in rng.next() }) {
            #expect(InternetChecksum.fold(v) == naive(v), "fold(\(v))")
        }
    }

    @Test("copyAndSum copies exactly and sums like sum")
    func copyAndSum() {
        var rng = SplitMix64(seed: 11)
        for length in [0, 1, 7, 31, 32, 33, 63, 100, 1448, 4097] {
            let src = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var dst = [UInt8](repeating: 0xaa, count: length + 2)
            let s = src.withUnsafeBytes { s in
                dst.withUnsafeMutableBytes { d in
                    InternetChecksum.copyAndSum(from: s.baseAddress!, to: d.baseAddress! + 1, count: length, initial: 0x1234)
                }
            }
            #expect(InternetChecksum.fold(s) == F.naiveSum(src, initial: 0x1234), "length \(length)")
            #expect(Array(dst[1..<length + 1]) == src)
            #expect(dst[0] == 0xaa && dst[length + 1] == 0xaa, "wrote outside the range at length \(length)")
        }
    }

    @Test("pseudo-header sums equal the naive sum of the pseudo-header bytes")
    func pseudoHeaders() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<200 {
            let header = (0..<40).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let length = Int.random(in: 0...65535, using: &rng)
            let proto = UInt8.random(in: 0...255, using: &rng)
            let v4 = header.withUnsafeBytes {
                InternetChecksum.fold(InternetChecksum.pseudoHeaderSumIPv4(ipv4Header: $0.baseAddress!, protocol: proto, length: length))
            }
            let v6 = header.withUnsafeBytes {
                InternetChecksum.fold(InternetChecksum.pseudoHeaderSumIPv6(ipv6Header: $0.baseAddress!, nextHeader: proto, length: length))
            }
            let v4Bytes = Array(header[12..<20]) + [0, proto] + F.be16(UInt16(length))
            let v6Bytes = Array(header[8..<40]) + F.be32(UInt32(length)) + [0, 0, 0, proto]
            #expect(v4 == F.naiveSum(v4Bytes))
            #expect(v6 == F.naiveSum(v6Bytes))
        }
    }

    @Test("virtio header: 10 bytes, host (little-endian) order, round trip")
    func virtioHeader() {
        let h = VirtioNetHeader(flags: 1, gsoType: 0x84, hdrLen: 0x0102, gsoSize: 0x0304, csumStart: 0x0506, csumOffset: 0x0708)
        var bytes = [UInt8](repeating: 0xee, count: 12)
        bytes.withUnsafeMutableBytes { h.write(to: $0.baseAddress!) }
        #expect(VirtioNetHeader.size == 10)
        #expect(bytes == [1, 0x84, 2, 1, 4, 3, 6, 5, 8, 7, 0xee, 0xee])
        #expect(bytes.withUnsafeBytes { VirtioNetHeader(reading: $0.baseAddress!) } == h)
    }
}
