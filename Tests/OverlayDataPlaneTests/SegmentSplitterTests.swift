import Testing
import OverlayDataPlane

@Suite("segment splitter")
struct SegmentSplitterTests {
    typealias F = OffloadFixtures

    /// Checks every segment of a split super-segment against the original, field by field.
    static func checkSegments(_ segments: [[UInt8]], of original: [UInt8], v6: Bool, mss: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let ip = v6 ? 40 : 20
        let headers = ip + Int(original[ip + 12] >> 4) * 4
        let payload = Array(original[headers...])
        let expectedCount = max(1, (payload.count + mss - 1) / mss)
        #expect(segments.count == expectedCount, sourceLocation: sourceLocation)
        let seq0 = F.read32(original, ip + 4)
        let flags = original[ip + 13]
        var offset = 0
        for (i, s) in segments.enumerated() {
            let last = i == segments.count - 1
            let chunk = last ? payload.count - offset : mss
            #expect(s.count == headers + chunk, "segment \(i) length", sourceLocation: sourceLocation)
            if v6 {
                #expect(Int(F.read16(s, 4)) == s.count - 40, "segment \(i) payload length", sourceLocation: sourceLocation)
                #expect(Array(s[0..<4]) == Array(original[0..<4]) && Array(s[6..<40]) == Array(original[6..<40]),
                        sourceLocation: sourceLocation)
            } else {
                #expect(Int(F.read16(s, 2)) == s.count, "segment \(i) total length", sourceLocation: sourceLocation)
                #expect(F.read16(s, 4) == F.read16(original, 4) &+ UInt16(i), "segment \(i) IP ID", sourceLocation: sourceLocation)
                #expect(F.ipv4HeaderValid(s), "segment \(i) IPv4 header checksum", sourceLocation: sourceLocation)
                #expect(Array(s[12..<20]) == Array(original[12..<20]) && s[8] == original[8] && s[6] == original[6],
                        sourceLocation: sourceLocation)
            }
            #expect(F.read32(s, ip + 4) == seq0 &+ UInt32(offset), "segment \(i) seq", sourceLocation: sourceLocation)
            var want = flags
            if !last { want &= ~0x09 }   // FIN, PSH only on the last
            if i != 0 { want &= ~0x80 }  // CWR only on the first
            #expect(s[ip + 13] == want, "segment \(i) flags", sourceLocation: sourceLocation)
            // Ports, ACK, offset, window, options unchanged.
            #expect(Array(s[ip..<ip + 4]) == Array(original[ip..<ip + 4]), sourceLocation: sourceLocation)
            #expect(Array(s[ip + 8..<ip + 13]) == Array(original[ip + 8..<ip + 13]), sourceLocation: sourceLocation)
            #expect(Array(s[ip + 14..<ip + 16]) == Array(original[ip + 14..<ip + 16]), sourceLocation: sourceLocation)
            #expect(Array(s[ip + 18..<headers]) == Array(original[ip + 18..<headers]), sourceLocation: sourceLocation)
            #expect(F.l4ChecksumValid(s), "segment \(i) TCP checksum", sourceLocation: sourceLocation)
            #expect(Array(s[headers...]) == Array(payload[offset..<offset + chunk]), "segment \(i) payload",
                    sourceLocation: sourceLocation)
            offset += chunk
        }
    }

    @Test("64 KB TCP super-segment (v4, then v6) with a partial checksum: every field of every segment", arguments: [false, true])
    func splitSuperSegment(v6: Bool) throws {
        let headers = (v6 ? 40 : 20) + 32
        // FIN|PSH|ACK|CWR to see FIN/PSH move to the last segment and CWR stay on the first.
        let (h, p) = F.superSegment(v6: v6, payload: 65535 - headers, mss: 1448, flags: 0x80 | 0x19,
                                    gsoFlags: VirtioNetHeader.gsoECN)
        let headroom = 16, tailroom = 16
        let count = (65535 - headers + 1447) / 1448
        let lastLength = headers + (65535 - headers) - (count - 1) * 1448
        let stride = headroom + headers + 1448 + tailroom
        let exact = (count - 1) * stride + headroom + lastLength + tailroom
        let (r, segments, buffer) = try F.split(h, p, headroom: headroom, tailroom: tailroom, capacity: exact)
        #expect(r == SplitResult(count: count, stride: stride, lastLength: lastLength, segmentLength: headers + 1448))
        #expect(count == 46)
        Self.checkSegments(segments, of: p, v6: v6, mss: 1448)
        // Head- and tailroom are the caller's: untouched.
        for i in 0..<r.count {
            let start = i * r.stride
            let length = i == r.count - 1 ? r.lastLength : r.segmentLength
            #expect(buffer[start..<start + headroom].allSatisfy { $0 == 0xee }, "headroom \(i)")
            #expect(buffer[start + headroom + length..<start + headroom + length + tailroom].allSatisfy { $0 == 0xee },
                    "tailroom \(i)")
        }
        // One byte less and it does not fit.
        #expect(throws: OffloadError.doesNotFit(segments: count, bytesNeeded: exact, capacity: exact - 1)) {
            _ = try F.split(h, p, headroom: headroom, tailroom: tailroom, capacity: exact - 1)
        }
    }

    @Test("payload an exact multiple of gso_size; hdr_len as a loose hint; small MSS")
    func evenAndHints() throws {
        for v6 in [false, true] {
            var (h, p) = F.superSegment(v6: v6, payload: 1448 * 44, mss: 1448)
            h.hdrLen = UInt16(p.count / 2)  // Linux may report the whole linear part
            let (r, segments, _) = try F.split(h, p)
            #expect(r.count == 44 && r.lastLength == r.segmentLength)
            Self.checkSegments(segments, of: p, v6: v6, mss: 1448)

            let (h2, p2) = F.superSegment(v6: v6, payload: 5000, mss: 1)
            let (r2, segments2, _) = try F.split(h2, p2)
            #expect(r2.count == 5000)
            Self.checkSegments(segments2, of: p2, v6: v6, mss: 1)

            // Payload below one MSS, and none at all: one segment, still a full checksum.
            for n in [0, 100] {
                let (h3, p3) = F.superSegment(v6: v6, payload: n, mss: 1448)
                let (r3, segments3, _) = try F.split(h3, p3)
                #expect(r3.count == 1 && r3.segmentLength == r3.lastLength && r3.lastLength == p3.count)
                Self.checkSegments(segments3, of: p3, v6: v6, mss: 1448)
            }
        }
    }

    @Test("IPv4 options are carried into every segment")
    func ipv4Options() throws {
        let tcp = F.TCP(flags: 0x10, payload: F.payload(3000), checksum: .partial)
        let p = F.tcpv4(tcp, ipOptions: [1, 1, 1, 0])  // NOP NOP NOP EOL
        let h = VirtioNetHeader(flags: 1, gsoType: VirtioNetHeader.gsoTCPv4, hdrLen: 56, gsoSize: 1000, csumStart: 24, csumOffset: 16)
        let (r, segments, _) = try F.split(h, p)
        #expect(r.count == 3)
        for s in segments {
            #expect(s[0] == 0x46 && Array(s[20..<24]) == [1, 1, 1, 0])
            #expect(F.ipv4HeaderValid(s) && F.l4ChecksumValid(s))
        }
    }

    @Test("gso NONE without NEEDS_CSUM: copied byte for byte")
    func plainCopy() throws {
        let p = F.ipv4(F.udp(payload: F.payload(333)), proto: 17)
        let (r, segments, buffer) = try F.split(VirtioNetHeader(), p, headroom: 8, tailroom: 4)
        #expect(r == SplitResult(count: 1, stride: 8 + p.count + 4, lastLength: p.count, segmentLength: p.count))
        #expect(segments == [p])
        #expect(buffer[0..<8].allSatisfy { $0 == 0xee } && buffer[8 + p.count..<12 + p.count].allSatisfy { $0 == 0xee })
    }

    @Test("gso NONE with NEEDS_CSUM completes a partial UDP or TCP checksum")
    func completesChecksum() throws {
        var udp = F.ipv4(F.udp(payload: F.payload(201)), proto: 17)
        F.finishChecksum(&udp, mode: .partial, proto: 17, at: 6)
        let udpHeader = VirtioNetHeader(flags: 1, csumStart: 20, csumOffset: 6)
        let (_, s1, _) = try F.split(udpHeader, udp)
        #expect(F.l4ChecksumValid(s1[0], proto: 17))
        #expect(Array(s1[0][0..<26]) == Array(udp[0..<26]) && Array(s1[0][28...]) == Array(udp[28...]))

        let tcp = F.tcpv6(F.TCP(flags: 0x18, payload: F.payload(77), checksum: .partial))
        let tcpHeader = VirtioNetHeader(flags: 1, csumStart: 40, csumOffset: 16)
        let (_, s2, _) = try F.split(tcpHeader, tcp)
        #expect(F.l4ChecksumValid(s2[0]))
    }

    @Test("a UDP checksum that computes to 0 is sent as ffff (0 means none in UDP)")
    func udpZeroChecksum() throws {
        var p = F.ipv4(F.udp(payload: [0, 0] + F.payload(20)), proto: 17)
        F.finishChecksum(&p, mode: .partial, proto: 17, at: 6)
        // Pick the first payload word so that the segment sums to ffff exactly.
        let pseudo = F.pseudoHeader(p, l4Length: p.count - 20, proto: 17)
        var l4 = Array(p[20...])
        l4[6] = 0; l4[7] = 0
        F.put16(&p, 28, ~F.naiveSum(pseudo + l4))
        let (_, s, _) = try F.split(VirtioNetHeader(flags: 1, csumStart: 20, csumOffset: 6), p)
        #expect(F.read16(s[0], 26) == 0xffff)
        #expect(F.l4ChecksumValid(s[0], proto: 17))
    }

    static func expectError(_ error: OffloadError, _ h: VirtioNetHeader, _ p: [UInt8], headroom: Int = 0,
                            capacity: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: error, sourceLocation: sourceLocation) {
            _ = try F.split(h, p, headroom: headroom, capacity: capacity)
        }
        #expect(!error.description.isEmpty)
    }

    @Test("malformed reads throw the matching OffloadError")
    func malformed() {
        let (h4, p4) = F.superSegment(v6: false, payload: 4000, mss: 1000)
        let (h6, p6) = F.superSegment(v6: true, payload: 4000, mss: 1000)
        var h = h4
        h.gsoSize = 0
        Self.expectError(.zeroSegmentSize, h, p4)
        h = h4; h.gsoType = VirtioNetHeader.gsoUDP
        Self.expectError(.unsupportedGSOType(3), h, p4)
        h = h4; h.gsoType = 2
        Self.expectError(.unsupportedGSOType(2), h, p4)
        h = h4; h.hdrLen = UInt16(p4.count + 1)
        Self.expectError(.headerLengthOutOfRange(hdrLen: p4.count + 1, length: p4.count), h, p4)
        Self.expectError(.ipVersionMismatch(gsoType: VirtioNetHeader.gsoTCPv4, version: 6), h4, p6)
        Self.expectError(.ipVersionMismatch(gsoType: VirtioNetHeader.gsoTCPv6, version: 4), h6, p4)
        Self.expectError(.truncated(length: 0, needed: 1), h4, [])

        var bad = p4; bad[0] = 0x55
        Self.expectError(.unsupportedIPVersion(5), h4, bad)
        Self.expectError(.unsupportedIPVersion(5), VirtioNetHeader(), bad)
        bad = p4; bad[0] = 0x44
        Self.expectError(.invalidIPv4HeaderLength(16), h4, bad)
        bad = p4; bad[9] = 17
        Self.expectError(.notTCP(protocol: 17), h4, bad)
        bad = p6; bad[6] = 0  // hop-by-hop options header first
        Self.expectError(.notTCP(protocol: 0), h6, bad)
        bad = p4; bad[32] = 0x40
        Self.expectError(.invalidTCPHeaderLength(16), h4, bad)
        bad = p4; bad[6] |= 0x20
        Self.expectError(.fragmented, h4, bad)
        bad = p4; bad[7] = 1
        Self.expectError(.fragmented, h4, bad)
        bad = p4; bad[0] = 0x4f  // 60-byte IP header inside a 52-byte packet
        Self.expectError(.truncated(length: 52, needed: 60), h4, Array(bad[0..<52]))

        // A segment longer than the 16-bit IP length allows.
        var big = F.tcpv4(F.TCP(payload: F.payload(70000), checksum: .partial))
        F.put16(&big, 2, 0xffff)
        h = h4; h.gsoSize = 65535
        Self.expectError(.segmentTooLong(65535 + 52), h, big)

        // The edges: an IPv4 total length, an IPv6 payload length of exactly 65,535.
        for (v6, maxPayload) in [(false, 65535 - 52), (true, 65535 - 32)] {
            let (hMax, pMax) = F.superSegment(v6: v6, payload: maxPayload, mss: UInt16(maxPayload))
            #expect(throws: Never.self) { _ = try F.split(hMax, pMax) }
            let (hOver, pOver) = F.superSegment(v6: v6, payload: maxPayload + 1, mss: UInt16(maxPayload + 1))
            Self.expectError(.segmentTooLong((v6 ? 72 : 52) + maxPayload + 1), hOver, pOver)
        }

        Self.expectError(.doesNotFit(segments: 4, bytesNeeded: 4 * 100 + 3 * 1052 + 1000 + 52, capacity: 4000),
                         h4, p4, headroom: 100, capacity: 4000)
        Self.expectError(.doesNotFit(segments: 1, bytesNeeded: 100 + p4.count, capacity: 100),
                         VirtioNetHeader(), p4, headroom: 100, capacity: 100)
        Self.expectError(.invalidLayout(headroom: -1, tailroom: 0, capacity: 10), h4, p4, headroom: -1, capacity: 10)

        // Checksum position past the end, and the field straddling the end.
        for (start, offset) in [(p4.count, 0), (20, p4.count - 21), (60000, 16), (20, 65535)] {
            let hc = VirtioNetHeader(flags: 1, csumStart: UInt16(start), csumOffset: UInt16(offset))
            Self.expectError(.checksumOutOfRange(start: start, offset: offset, length: p4.count), hc, p4)
        }
        let fits = VirtioNetHeader(flags: 1, csumStart: 20, csumOffset: UInt16(p4.count - 22))
        #expect(throws: Never.self) { _ = try F.split(fits, p4) }
    }

    @Test("every truncation of a valid super-segment either throws or splits consistently", arguments: [false, true])
    func truncations(v6: Bool) throws {
        let (h, p) = F.superSegment(v6: v6, payload: 6000, mss: 1400, flags: 0x19)
        let ip = v6 ? 40 : 20
        for length in 0...p.count {
            let prefix = Array(p[0..<length])
            do {
                let (r, segments, _) = try F.split(h, prefix)
                #expect(length >= ip + 32, "split a \(length)-byte packet shorter than its headers")
                #expect(r.count == segments.count && r.count == max(1, (length - ip - 32 + 1399) / 1400))
                if length % 97 == 0 || length == p.count { Self.checkSegments(segments, of: prefix, v6: v6, mss: 1400) }
            } catch {
                let expected: OffloadError = length == 0 ? .truncated(length: 0, needed: 1)
                    : length < ip ? .truncated(length: length, needed: ip)
                    : length < ip + 20 ? .truncated(length: length, needed: ip + 20)
                    : length < ip + 32 ? .truncated(length: length, needed: ip + 32)
                    : .headerLengthOutOfRange(hdrLen: ip + 32, length: length)
                #expect(error == expected, "length \(length)")
            }
        }
    }

    @Test("random headers over random and half-valid bytes never trap")
    func fuzz() {
        var rng = SplitMix64(seed: 99)
        let (_, valid4) = F.superSegment(v6: false, payload: 3000, mss: 500)
        let (_, valid6) = F.superSegment(v6: true, payload: 3000, mss: 500)
        for round in 0..<3000 {
            var p: [UInt8]
            switch round % 3 {
            case 0: p = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1: p = valid4
            default: p = valid6
            }
            if !p.isEmpty {
                for _ in 0..<4 { p[Int.random(in: 0..<min(p.count, 80), using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                p = Array(p[0..<Int.random(in: 0...p.count, using: &rng)])
            }
            let types: [UInt8] = [0, 1, 3, 4, 0x81, 0x84, 2, 0xff]
            let h = VirtioNetHeader(
                flags: UInt8.random(in: 0...3, using: &rng), gsoType: types.randomElement(using: &rng)!,
                hdrLen: UInt16.random(in: 0...200, using: &rng), gsoSize: UInt16.random(in: 0...2000, using: &rng),
                csumStart: UInt16.random(in: 0...100, using: &rng), csumOffset: UInt16.random(in: 0...40, using: &rng))
            let capacity = Int.random(in: 0...20000, using: &rng)
            if let r = try? F.split(h, p, headroom: 16, tailroom: 16, capacity: capacity).0 {
                #expect(r.count >= 1)
                #expect((r.count - 1) * r.stride + 32 + r.lastLength <= capacity)
            }
        }
    }
}
