/// The fixed 12 bytes at the start of every DNS message (RFC 1035 4.1.1).
struct DNSHeader: Sendable, Equatable {
    static let size = 12

    var id: UInt16
    var flags: UInt16
    var questionCount: UInt16
    var answerCount: UInt16
    var authorityCount: UInt16
    var additionalCount: UInt16

    /// Nil when fewer than 12 bytes are there.
    init?(_ message: UnsafeRawBufferPointer) {
        guard message.count >= DNSHeader.size else { return nil }
        id = DNSBytes.uint16(message, at: 0)
        flags = DNSBytes.uint16(message, at: 2)
        questionCount = DNSBytes.uint16(message, at: 4)
        answerCount = DNSBytes.uint16(message, at: 6)
        authorityCount = DNSBytes.uint16(message, at: 8)
        additionalCount = DNSBytes.uint16(message, at: 10)
    }

    var isResponse: Bool { flags & 0x8000 != 0 }
    var opcode: UInt8 { UInt8(truncatingIfNeeded: (flags >> 11) & 0xF) }
    var authoritative: Bool { flags & 0x0400 != 0 }
    var truncated: Bool { flags & 0x0200 != 0 }
    var rcode: UInt8 { UInt8(truncatingIfNeeded: flags & 0xF) }

    /// The bits a response copies from its query: OPCODE, RD and CD.
    var copiedToResponse: UInt16 { flags & (0x7800 | 0x0100 | 0x0010) }
}
