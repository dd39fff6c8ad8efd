/// The 10-byte `struct virtio_net_hdr` that leads every read and write on a TUN opened with
/// `IFF_VNET_HDR`. It tells us whether a read is a TCP super-segment to split (and at which
/// MSS) and lets us hand the kernel merged super-segments on write.
///
/// Fields are in host byte order: TUN uses the legacy (native-endian) virtio layout unless
/// `TUNSETVNETLE`/`TUNSETVNETBE` was called, which we never do.
public struct VirtioNetHeader: Equatable, Sendable {
    public static let size = 10

    /// The L4 checksum is partial: it holds the pseudo-header sum, and the ones' complement
    /// of the sum from `csumStart` to the end must be stored at `csumStart + csumOffset`.
    public static let flagNeedsCsum: UInt8 = 1
    public static let flagDataValid: UInt8 = 2

    public static let gsoNone: UInt8 = 0
    public static let gsoTCPv4: UInt8 = 1
    public static let gsoUDP: UInt8 = 3
    public static let gsoTCPv6: UInt8 = 4
    /// OR'ed into `gsoType` when the flow uses ECN; the segments then keep CWR on the first only.
    public static let gsoECN: UInt8 = 0x80

    public var flags: UInt8
    public var gsoType: UInt8
    /// A hint only: Linux fills in the length of the skb's linear part, which can exceed the
    /// real header length (on forwarded packets it can be the whole first segment).
    public var hdrLen: UInt16
    public var gsoSize: UInt16
    public var csumStart: UInt16
    public var csumOffset: UInt16

    public init(
        flags: UInt8 = 0, gsoType: UInt8 = VirtioNetHeader.gsoNone, hdrLen: UInt16 = 0,
        gsoSize: UInt16 = 0, csumStart: UInt16 = 0, csumOffset: UInt16 = 0
    ) {
        self.flags = flags
        self.gsoType = gsoType
        self.hdrLen = hdrLen
        self.gsoSize = gsoSize
        self.csumStart = csumStart
        self.csumOffset = csumOffset
    }

    /// Reads `size` bytes; the caller guarantees they are there.
    public init(reading p: UnsafeRawPointer) {
        flags = p.load(as: UInt8.self)
        gsoType = p.load(fromByteOffset: 1, as: UInt8.self)
        hdrLen = p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        gsoSize = p.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        csumStart = p.loadUnaligned(fromByteOffset: 6, as: UInt16.self)
        csumOffset = p.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
    }

    /// Writes `size` bytes; the caller guarantees the room.
    public func write(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: flags, as: UInt8.self)
        p.storeBytes(of: gsoType, toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: hdrLen, toByteOffset: 2, as: UInt16.self)
        p.storeBytes(of: gsoSize, toByteOffset: 4, as: UInt16.self)
        p.storeBytes(of: csumStart, toByteOffset: 6, as: UInt16.self)
        p.storeBytes(of: csumOffset, toByteOffset: 8, as: UInt16.self)
    }
}
