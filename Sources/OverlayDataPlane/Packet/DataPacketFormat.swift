/// The data packet on the wire, one UDP datagram per inner IP packet:
///
///     0      1      4          8                  16            16+n    16+n+16
///     | type | zero | key id   | counter (BE)     | IP packet (encrypted) | tag |
///
/// `type` is 1 (data, version 1). The 16-byte header is the AEAD's associated
/// data; the nonce is the key's IV XOR the counter. 32 bytes of overhead, as
/// WireGuard's, so an inner MTU of 1420 fits a 1500-byte path over IPv6.
public enum DataPacketFormat {
    public static let typeData: UInt8 = 1
    public static let headerLength = 16
    public static let tagLength = 16
    public static let overhead = headerLength + tagLength
    /// Outer IPv6 (40) + UDP (8): the worst case the MTU must leave room for.
    public static let outerHeaders = 48
    /// Counters at or past this are never used or accepted; a key is replaced long before.
    public static let counterLimit: UInt64 = 1 << 60
    public static let defaultMTU = 1420
    /// The smallest inner packet worth decrypting (an IPv4 header).
    static let minimumInner = 20

    @inline(__always)
    static func writeHeader(to p: UnsafeMutableRawPointer, keyID: UInt32, counter: UInt64) {
        p.storeBytes(of: UInt32(typeData).littleEndian, as: UInt32.self)  // the type byte, then three zero bytes
        p.storeBytes(of: keyID.bigEndian, toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: counter.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// What a received datagram's header names: the key to open it with and its counter.
    public struct Header: Sendable, Equatable {
        public var keyID: UInt32
        public var counter: UInt64
    }

    /// The header of the `length`-byte datagram at `p`, or nil when it cannot be a data packet worth
    /// opening: shorter than the overhead and an IPv4 header, another type or version, or a counter at
    /// or past `counterLimit`. The receive workers' only reading of the header; public so that the
    /// fuzz package under Tests/Fuzz (which cannot use `@testable`) checks this same code.
    @inline(__always)
    public static func header(of p: UnsafeRawPointer, length: Int) -> Header? {
        guard length >= overhead + minimumInner, isData(p) else { return nil }
        let counter = readCounter(p)
        guard counter < counterLimit else { return nil }
        return Header(keyID: readKeyID(p), counter: counter)
    }

    @inline(__always)
    static func readKeyID(_ p: UnsafeRawPointer) -> UInt32 { UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) }
    @inline(__always)
    static func readCounter(_ p: UnsafeRawPointer) -> UInt64 { UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
    @inline(__always)
    static func isData(_ p: UnsafeRawPointer) -> Bool {
        p.load(as: UInt8.self) == typeData && p.load(fromByteOffset: 1, as: UInt8.self) == 0
            && p.loadUnaligned(fromByteOffset: 2, as: UInt16.self) == 0
    }
}
