/// ICMP errors the node writes back into its own TUN, as a router on the
/// overlay would: host unreachable for an overlay IP no active peer holds (so
/// `ping` fails at once instead of hanging), fragmentation needed for a DF
/// packet larger than the overlay MTU (so path MTU discovery works).
enum ICMPReply {
    static let hostUnreachable: UInt8 = 1
    static let fragmentationNeeded: UInt8 = 4

    /// Writes a virtio header and an ICMP destination-unreachable about `packet`
    /// into `out` (at least 10 + 20 + 8 + 60 + 8 bytes). Returns the bytes to
    /// write to the TUN, or 0 when no error may be sent about this packet
    /// (an ICMP error itself, a later fragment, a multicast or unset source).
    /// The error comes from the packet's destination: the kernel drops packets
    /// arriving with one of its own addresses as the source, so the node's
    /// overlay IP cannot be used.
    static func unreachable(about packet: UnsafeRawPointer, length: Int, code: UInt8, mtu: Int,
                            into out: UnsafeMutableRawPointer) -> Int {
        guard length >= 20, IPv4.version(packet) == 4 else { return 0 }
        let source = IPv4.destination(packet)
        let ihl = IPv4.headerLength(packet)
        guard ihl >= 20, ihl <= length else { return 0 }
        let offset = UInt16(bigEndian: packet.loadUnaligned(fromByteOffset: 6, as: UInt16.self)) & 0x1fff
        let to = IPv4.source(packet)
        guard offset == 0, to != 0, to >> 28 != 0xe, to != 0xffff_ffff else { return 0 }
        if IPv4.proto(packet) == 1 {
            guard length >= ihl + 1 else { return 0 }
            let type = packet.load(fromByteOffset: ihl, as: UInt8.self)
            guard type == 0 || type == 8 || type == 13 || type == 14 else { return 0 }  // never an error about an error
        }
        let quoted = min(length, ihl + 8)
        let icmpLength = 8 + quoted
        let total = 20 + icmpLength
        out.initializeMemory(as: UInt8.self, repeating: 0, count: VirtioNetHeader.size + 28)
        let ip = out + VirtioNetHeader.size
        ip.storeBytes(of: UInt8(0x45), as: UInt8.self)
        ip.storeBytes(of: UInt16(total).bigEndian, toByteOffset: 2, as: UInt16.self)
        ip.storeBytes(of: UInt8(64), toByteOffset: 8, as: UInt8.self)
        ip.storeBytes(of: UInt8(1), toByteOffset: 9, as: UInt8.self)
        ip.storeBytes(of: source.bigEndian, toByteOffset: 12, as: UInt32.self)
        ip.storeBytes(of: to.bigEndian, toByteOffset: 16, as: UInt32.self)
        ip.storeBytes(of: InternetChecksum.checksum(UnsafeRawPointer(ip), count: 20).bigEndian, toByteOffset: 10, as: UInt16.self)
        let icmp = ip + 20
        icmp.storeBytes(of: UInt8(3), as: UInt8.self)
        icmp.storeBytes(of: code, toByteOffset: 1, as: UInt8.self)
        if code == fragmentationNeeded {
            icmp.storeBytes(of: UInt16(mtu).bigEndian, toByteOffset: 6, as: UInt16.self)
        }
        (icmp + 8).copyMemory(from: packet, byteCount: quoted)
        icmp.storeBytes(of: InternetChecksum.checksum(UnsafeRawPointer(icmp), count: icmpLength).bigEndian, toByteOffset: 2, as: UInt16.self)
        return VirtioNetHeader.size + total
    }
}
