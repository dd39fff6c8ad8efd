/// Domain names on the wire (RFC 1035 3.1, 4.1.4). Reading is strict because the bytes
/// come from anyone who can reach the resolver: every read is bounds-checked, pointers
/// may only go backward and only so often, and the expanded name must fit in 255 bytes.
enum DNSName {
    static let maxLabelLength = 63
    /// Uncompressed wire length, length bytes and the root's zero byte included.
    static let maxWireLength = 255
    static let maxPointerJumps = 16

    /// Expands the name at `start` of `message` into `out` as uncompressed wire bytes
    /// (length-prefixed labels exactly as received, then the zero byte). Returns the offset
    /// just past the name where it sits in `message` (after its first pointer, if any).
    /// On a throw `out` holds a partial name; the caller discards it.
    static func expand(_ message: UnsafeRawBufferPointer, at start: Int,
                       into out: inout [UInt8]) throws(DNSParseError) -> Int {
        var position = start
        var resumeAt = -1
        var jumps = 0
        var length = 0
        while true {
            guard position >= 0, position < message.count else {
                throw .truncated(offset: position, reading: "a name")
            }
            let byte = message[position]
            switch byte & 0xC0 {
            case 0x00:
                let labelLength = Int(byte)
                length = length &+ labelLength &+ 1
                guard length <= maxWireLength else { throw .nameTooLong(offset: start) }
                if labelLength == 0 {
                    out.append(0)
                    return resumeAt >= 0 ? resumeAt : position &+ 1
                }
                let labelStart = position &+ 1
                guard labelLength <= message.count &- labelStart else {
                    throw .truncated(offset: message.count, reading: "a \(labelLength)-byte label")
                }
                out.append(byte)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: message[labelStart ..< labelStart &+ labelLength]))
                position = labelStart &+ labelLength
            case 0xC0:
                guard position &+ 1 < message.count else {
                    throw .truncated(offset: message.count, reading: "a compression pointer")
                }
                let target = Int(byte & 0x3F) << 8 | Int(message[position &+ 1])
                guard target < position else { throw .forwardPointer(offset: position, target: target) }
                jumps &+= 1
                guard jumps <= maxPointerJumps else { throw .tooManyPointers(offset: start) }
                if resumeAt < 0 { resumeAt = position &+ 2 }
                position = target
            default:
                throw .reservedLabelType(offset: position, byte: byte)
            }
        }
    }

    /// Text to uncompressed wire bytes: dot-separated labels, a trailing dot optional,
    /// "." alone for the root. No escapes: overlay names never need them.
    static func encode(_ text: String) throws(DNSNameError) -> [UInt8] {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        var wire: [UInt8] = []
        if !name.isEmpty {
            for label in name.split(separator: ".", omittingEmptySubsequences: false) {
                let bytes = Array(label.utf8)
                guard !bytes.isEmpty else { throw .invalidQueryName(text, reason: "it has an empty label") }
                guard bytes.count <= maxLabelLength else {
                    throw .invalidQueryName(text, reason: "the label '\(label)' is longer than \(maxLabelLength) bytes")
                }
                wire.append(UInt8(bytes.count))
                wire.append(contentsOf: bytes)
            }
        } else if text.isEmpty {
            throw .invalidQueryName(text, reason: "the name is empty (write '.' for the root)")
        }
        wire.append(0)
        guard wire.count <= maxWireLength else {
            throw .invalidQueryName(text, reason: "it is \(wire.count) bytes on the wire, more than \(maxWireLength)")
        }
        return wire
    }

    /// Presentation text of an uncompressed wire name, with the trailing dot ("." for the
    /// root). Dots and backslashes inside labels are escaped, other unprintable bytes as \DDD.
    static func text(_ wire: [UInt8]) -> String {
        var out = ""
        var offset = 0
        while offset < wire.count {
            let length = Int(wire[offset])
            if length == 0 { break }
            let end = min(offset &+ 1 &+ length, wire.count)
            for byte in wire[(offset &+ 1) ..< end] {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    out.append("\\")
                    out.append(Character(Unicode.Scalar(byte)))
                case 0x21...0x7E:
                    out.append(Character(Unicode.Scalar(byte)))
                default:
                    let digits = String(byte)
                    out.append("\\" + String(repeating: "0", count: 3 - digits.count) + digits)
                }
            }
            out.append(".")
            offset = end
        }
        return out.isEmpty ? "." : out
    }
}
