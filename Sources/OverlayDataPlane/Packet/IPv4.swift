/// The few IPv4 header fields the data plane reads, from raw packet bytes.
enum IPv4 {
    @inline(__always) static func version(_ p: UnsafeRawPointer) -> UInt8 { p.load(as: UInt8.self) >> 4 }
    @inline(__always) static func headerLength(_ p: UnsafeRawPointer) -> Int { Int(p.load(as: UInt8.self) & 0x0f) * 4 }
    @inline(__always) static func totalLength(_ p: UnsafeRawPointer) -> Int { Int(UInt16(bigEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))) }
    @inline(__always) static func dontFragment(_ p: UnsafeRawPointer) -> Bool { p.load(fromByteOffset: 6, as: UInt8.self) & 0x40 != 0 }
    @inline(__always) static func proto(_ p: UnsafeRawPointer) -> UInt8 { p.load(fromByteOffset: 9, as: UInt8.self) }
    @inline(__always) static func source(_ p: UnsafeRawPointer) -> UInt32 { UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
    @inline(__always) static func destination(_ p: UnsafeRawPointer) -> UInt32 { UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) }
}
