/// Where split segments go: segment i's IP packet starts at base + i*stride + headroom; all
/// segments but the last are exactly (stride - headroom - tailroom) bytes long.
///
/// The segments are laid out back to back at a fixed stride so that, once each is sealed in
/// place (overlay header in the headroom, AEAD tag in the tailroom), the whole buffer can
/// leave in one `sendmsg` with `UDP_SEGMENT = stride`. `capacity` is in bytes from `base`;
/// `headroom` and `tailroom` must be in 0...65535.
public struct SegmentLayout {
    public var base: UnsafeMutableRawPointer
    public var capacity: Int
    public var headroom: Int
    public var tailroom: Int

    public init(base: UnsafeMutableRawPointer, capacity: Int, headroom: Int, tailroom: Int) {
        self.base = base
        self.capacity = capacity
        self.headroom = headroom
        self.tailroom = tailroom
    }
}

public struct SplitResult: Equatable, Sendable {
    public var count: Int
    public var stride: Int
    /// IP length of the last segment.
    public var lastLength: Int
    /// IP length of every other segment; equals `lastLength` when `count` is 1.
    public var segmentLength: Int

    public init(count: Int, stride: Int, lastLength: Int, segmentLength: Int) {
        self.count = count
        self.stride = stride
        self.lastLength = lastLength
        self.segmentLength = segmentLength
    }
}

/// Why a TUN read could not be turned into segments. The reads come from the kernel, so any of
/// these means a bug or an unexpected kernel feature; the caller drops the read and logs.
public enum OffloadError: Error, CustomStringConvertible, Equatable, Sendable {
    case truncated(length: Int, needed: Int)
    case unsupportedIPVersion(UInt8)
    case ipVersionMismatch(gsoType: UInt8, version: UInt8)
    case invalidIPv4HeaderLength(Int)
    /// A TCP GSO packet whose IP header does not carry TCP directly (IPv6 extension headers included).
    case notTCP(protocol: UInt8)
    case invalidTCPHeaderLength(Int)
    case fragmented
    case headerLengthOutOfRange(hdrLen: Int, length: Int)
    case zeroSegmentSize
    case segmentTooLong(Int)
    case unsupportedGSOType(UInt8)
    case checksumOutOfRange(start: Int, offset: Int, length: Int)
    case doesNotFit(segments: Int, bytesNeeded: Int, capacity: Int)
    case invalidLayout(headroom: Int, tailroom: Int, capacity: Int)

    public var description: String {
        switch self {
        case let .truncated(length, needed):
            return "packet of \(length) bytes is too short: its headers need \(needed)"
        case let .unsupportedIPVersion(v):
            return "IP version \(v) is neither 4 nor 6"
        case let .ipVersionMismatch(gso, v):
            return "virtio GSO type \(gso) does not match IP version \(v)"
        case let .invalidIPv4HeaderLength(n):
            return "IPv4 header length \(n) is below 20"
        case let .notTCP(proto):
            return "TCP segmentation requested for IP protocol/next header \(proto)"
        case let .invalidTCPHeaderLength(n):
            return "TCP header length \(n) is below 20"
        case .fragmented:
            return "TCP segmentation requested for an IPv4 fragment"
        case let .headerLengthOutOfRange(h, n):
            return "virtio hdr_len \(h) is past the end of the \(n)-byte packet"
        case .zeroSegmentSize:
            return "virtio gso_size is 0"
        case let .segmentTooLong(n):
            return "a segment would be \(n) bytes, more than an IP length field holds"
        case let .unsupportedGSOType(t):
            return "unsupported virtio GSO type \(t)"
        case let .checksumOutOfRange(s, o, n):
            return "checksum at csum_start \(s) + csum_offset \(o) is outside the \(n)-byte packet"
        case let .doesNotFit(count, needed, capacity):
            return "\(count) segment(s) need \(needed) bytes, the layout has \(capacity)"
        case let .invalidLayout(h, t, c):
            return "invalid layout: headroom \(h), tailroom \(t), capacity \(c)"
        }
    }
}

/// Turns one TUN read into wire-ready IP packets: the software half of TSO that the kernel
/// skipped because we advertised `TUN_F_TSO4|TUN_F_TSO6|TUN_F_CSUM`.
public enum SegmentSplitter {
    static let tcpFIN: UInt8 = 0x01
    static let tcpPSH: UInt8 = 0x08
    static let tcpCWR: UInt8 = 0x80

    /// Splits `packet` (the bytes after the virtio header) into `layout`. `packet` must not
    /// overlap the layout's buffer.
    public static func split(
        header: VirtioNetHeader, packet: UnsafeRawBufferPointer, into layout: SegmentLayout
    ) throws(OffloadError) -> SplitResult {
        guard (0...65535).contains(layout.headroom), (0...65535).contains(layout.tailroom), layout.capacity >= 0
        else { throw .invalidLayout(headroom: layout.headroom, tailroom: layout.tailroom, capacity: layout.capacity) }
        guard let src = packet.baseAddress, packet.count > 0 else { throw .truncated(length: 0, needed: 1) }
        switch header.gsoType & ~VirtioNetHeader.gsoECN {
        case VirtioNetHeader.gsoNone:
            return try copyWhole(header, src, packet.count, layout)
        case VirtioNetHeader.gsoTCPv4:
            return try splitTCP(header, src, packet.count, layout, isV6: false)
        case VirtioNetHeader.gsoTCPv6:
            return try splitTCP(header, src, packet.count, layout, isV6: true)
        default:
            throw .unsupportedGSOType(header.gsoType)
        }
    }

    /// One packet, completing a partial checksum if asked: the kernel leaves it to us for
    /// locally generated UDP/TCP once `TUN_F_CSUM` is on.
    private static func copyWhole(
        _ header: VirtioNetHeader, _ src: UnsafeRawPointer, _ n: Int, _ layout: SegmentLayout
    ) throws(OffloadError) -> SplitResult {
        let version = src.load(as: UInt8.self) >> 4
        let minimum: Int
        switch version {
        case 4: minimum = 20
        case 6: minimum = 40
        default: throw .unsupportedIPVersion(version)
        }
        guard n >= minimum else { throw .truncated(length: n, needed: minimum) }
        let stride = layout.headroom + n + layout.tailroom
        guard stride <= layout.capacity else { throw .doesNotFit(segments: 1, bytesNeeded: stride, capacity: layout.capacity) }
        let dst = layout.base + layout.headroom

        if header.flags & VirtioNetHeader.flagNeedsCsum != 0 {
            let start = Int(header.csumStart)
            let at = start + Int(header.csumOffset)
            guard at + 2 <= n else {
                throw .checksumOutOfRange(start: start, offset: Int(header.csumOffset), length: n)
            }
            dst.copyMemory(from: src, byteCount: start)
            // The field already holds the pseudo-header sum, so summing over it finishes the job.
            let s = InternetChecksum.copyAndSum(from: src + start, to: dst + start, count: n - start)
            var c = ~InternetChecksum.fold(s)
            // UDP reserves 0 for "no checksum"; 0xffff is the same value in ones' complement.
            if c == 0 { c = 0xffff }
            dst.storeBytes(of: c.bigEndian, toByteOffset: at, as: UInt16.self)
        } else {
            dst.copyMemory(from: src, byteCount: n)
        }
        return SplitResult(count: 1, stride: stride, lastLength: n, segmentLength: n)
    }

    private static func splitTCP(
        _ header: VirtioNetHeader, _ src: UnsafeRawPointer, _ n: Int, _ layout: SegmentLayout, isV6: Bool
    ) throws(OffloadError) -> SplitResult {
        let version = src.load(as: UInt8.self) >> 4
        guard version == 4 || version == 6 else { throw .unsupportedIPVersion(version) }
        guard version == (isV6 ? 6 : 4) else { throw .ipVersionMismatch(gsoType: header.gsoType, version: version) }

        let ipLen: Int
        if isV6 {
            guard n >= 40 else { throw .truncated(length: n, needed: 40) }
            let next = src.load(fromByteOffset: 6, as: UInt8.self)
            guard next == 6 else { throw .notTCP(protocol: next) }
            ipLen = 40
        } else {
            guard n >= 20 else { throw .truncated(length: n, needed: 20) }
            ipLen = Int(src.load(as: UInt8.self) & 0x0f) &* 4
            guard ipLen >= 20 else { throw .invalidIPv4HeaderLength(ipLen) }
            guard n >= ipLen else { throw .truncated(length: n, needed: ipLen) }
            let proto = src.load(fromByteOffset: 9, as: UInt8.self)
            guard proto == 6 else { throw .notTCP(protocol: proto) }
            guard load16(src, 6) & 0x3fff == 0 else { throw .fragmented }
        }
        guard n >= ipLen + 20 else { throw .truncated(length: n, needed: ipLen + 20) }
        let tcpLen = Int(src.load(fromByteOffset: ipLen + 12, as: UInt8.self) >> 4) &* 4
        guard tcpLen >= 20 else { throw .invalidTCPHeaderLength(tcpLen) }
        let headers = ipLen + tcpLen
        guard n >= headers else { throw .truncated(length: n, needed: headers) }
        // hdr_len is only the kernel's linear-part hint, so it can only be checked for range.
        guard Int(header.hdrLen) <= n else { throw .headerLengthOutOfRange(hdrLen: Int(header.hdrLen), length: n) }
        guard header.gsoSize > 0 else { throw .zeroSegmentSize }

        let mss = Int(header.gsoSize)
        let payload = n - headers
        let count = payload <= mss ? 1 : (payload + mss - 1) / mss
        let segmentLength = headers + min(mss, payload)
        let lastPayload = payload - (count - 1) * mss
        let lastLength = headers + lastPayload
        guard segmentLength - (isV6 ? 40 : 0) <= 65535 else { throw .segmentTooLong(segmentLength) }
        let stride = layout.headroom + segmentLength + layout.tailroom
        let needed = (count - 1) * stride + layout.headroom + lastLength + layout.tailroom
        guard needed <= layout.capacity else {
            throw .doesNotFit(segments: count, bytesNeeded: needed, capacity: layout.capacity)
        }

        let firstSeq = UInt32(bigEndian: src.loadUnaligned(fromByteOffset: ipLen + 4, as: UInt32.self))
        let firstID = load16(src, 4)
        let flags = src.load(fromByteOffset: ipLen + 13, as: UInt8.self)
        // Addresses and protocol are the same in every segment; only the length changes.
        let pseudo = isV6
            ? InternetChecksum.pseudoHeaderSumIPv6(ipv6Header: src, nextHeader: 6, length: 0)
            : InternetChecksum.pseudoHeaderSumIPv4(ipv4Header: src, protocol: 6, length: 0)

        var out = layout.base + layout.headroom
        var data = src + headers
        for i in 0..<count {
            let last = i == count &- 1
            let chunk = last ? lastPayload : mss
            let length = headers &+ chunk
            out.copyMemory(from: src, byteCount: headers)
            if isV6 {
                store16(out, 4, UInt16(truncatingIfNeeded: length &- 40))
            } else {
                store16(out, 2, UInt16(truncatingIfNeeded: length))
                store16(out, 4, firstID &+ UInt16(truncatingIfNeeded: i))
                store16(out, 10, InternetChecksum.ipv4HeaderChecksum(out, length: ipLen))
            }
            let tcp = out + ipLen
            let seq = firstSeq &+ UInt32(truncatingIfNeeded: i &* mss)
            tcp.storeBytes(of: seq.bigEndian, toByteOffset: 4, as: UInt32.self)
            var f = flags
            if !last { f &= ~(tcpFIN | tcpPSH) }
            // Linux clears CWR after the first segment (tcp_gso_segment) so the
            // congestion-window-reduced signal is not repeated.
            if i != 0 { f &= ~tcpCWR }
            tcp.storeBytes(of: f, toByteOffset: 13, as: UInt8.self)
            store16(tcp, 16, 0)
            var s = pseudo &+ UInt64(length &- ipLen)
            s = InternetChecksum.sum(tcp, count: tcpLen, initial: s)
            s = InternetChecksum.copyAndSum(from: data, to: tcp + tcpLen, count: chunk, initial: s)
            store16(tcp, 16, ~InternetChecksum.fold(s))
            out += stride
            data += chunk
        }
        return SplitResult(count: count, stride: stride, lastLength: lastLength, segmentLength: segmentLength)
    }

    @inline(__always)
    static func load16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        UInt16(bigEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    static func store16(_ p: UnsafeMutableRawPointer, _ offset: Int, _ value: UInt16) {
        p.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }
}
