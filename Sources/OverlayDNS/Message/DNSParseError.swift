/// Why a DNS message was rejected. The responder answers FORMERR (or drops) on these
/// without saying more to the peer; the text is for tests, logs and `overlayctl resolve`.
public enum DNSParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than the 12-byte header.
    case tooShort(length: Int)
    /// The message ends at `offset` while `reading` still needs bytes.
    case truncated(offset: Int, reading: String)
    /// A label length byte with the reserved 0x40 or 0x80 type bits.
    case reservedLabelType(offset: Int, byte: UInt8)
    /// A name whose uncompressed wire form passes 255 bytes.
    case nameTooLong(offset: Int)
    /// A compression pointer at `offset` to `target`, not strictly before it.
    case forwardPointer(offset: Int, target: Int)
    /// More compression pointers in one name than `DNSName.maxPointerJumps`.
    case tooManyPointers(offset: Int)
    /// A section count a query may not have (QDCOUNT != 1, answers, authority, ARCOUNT > 1).
    case unexpectedCount(section: String, count: UInt16)
    /// The additional record of a query is not a well-formed OPT record.
    case badOPT(offset: Int, reason: String)
    /// Bytes left over after the last record.
    case trailingBytes(offset: Int, count: Int)
    /// A response whose ID is not the query's.
    case idMismatch(expected: UInt16, received: UInt16)
    /// A message with QR=0 where a response was expected.
    case notAResponse
    /// A record whose data does not fit its type (an A record that is not 4 bytes, …).
    case badRecordData(offset: Int, type: UInt16, reason: String)

    public var description: String {
        switch self {
        case .tooShort(let length):
            return "the DNS message is \(length) bytes, shorter than the 12-byte header"
        case .truncated(let offset, let reading):
            return "the DNS message ends at byte \(offset) while reading \(reading)"
        case .reservedLabelType(let offset, let byte):
            return "the label at byte \(offset) has the reserved type bits of 0x\(String(byte, radix: 16)) (only plain labels and compression pointers are allowed)"
        case .nameTooLong(let offset):
            return "the name at byte \(offset) is longer than 255 bytes"
        case .forwardPointer(let offset, let target):
            return "the compression pointer at byte \(offset) points to byte \(target), which is not before it"
        case .tooManyPointers(let offset):
            return "the name at byte \(offset) follows more than \(DNSName.maxPointerJumps) compression pointers"
        case .unexpectedCount(let section, let count):
            return "a query with \(count) \(section) record(s) (a query has exactly one question, no answer or authority records and at most one OPT record)"
        case .badOPT(let offset, let reason):
            return "the additional record at byte \(offset) is not a well-formed OPT record: \(reason)"
        case .trailingBytes(let offset, let count):
            return "\(count) byte(s) follow the last record at byte \(offset)"
        case .idMismatch(let expected, let received):
            return "the response has ID \(received), the query had \(expected): it answers another query (a spoofed or late reply)"
        case .notAResponse:
            return "the message is a query (QR=0), not a response"
        case .badRecordData(let offset, let type, let reason):
            return "the type-\(type) record data at byte \(offset) is malformed: \(reason)"
        }
    }
}
