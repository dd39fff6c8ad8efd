/// Big-endian reads and writes on raw message bytes; callers check the bounds first.
enum DNSBytes {
    @inline(__always)
    static func uint16(_ message: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(message[offset]) << 8 | UInt16(message[offset &+ 1])
    }

    @inline(__always)
    static func uint32(_ message: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(uint16(message, at: offset)) << 16 | UInt32(uint16(message, at: offset &+ 2))
    }

    @inline(__always)
    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        append(UInt16(truncatingIfNeeded: value >> 16), to: &bytes)
        append(UInt16(truncatingIfNeeded: value), to: &bytes)
    }

    @inline(__always)
    static func set(_ value: UInt16, at offset: Int, in bytes: inout [UInt8]) {
        bytes[offset] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[offset &+ 1] = UInt8(truncatingIfNeeded: value)
    }

    /// ASCII lower case; label length bytes (0–63) are left alone by construction.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }
}
