/// The EDNS(0) pseudo-record of a query (RFC 6891): how large a UDP answer the client
/// takes and whether it wants DNSSEC records (which overlayd has none of, but echoes).
struct DNSEDNS: Sendable, Equatable {
    var udpPayloadSize: UInt16
    var version: UInt8
    var dnssecOK: Bool
}

/// A query that parsed: its header, the question (its name expanded into the caller's
/// buffer at `nameStart..<nameEnd`) and its OPT record if it had one.
struct DNSQuery: Sendable, Equatable {
    var header: DNSHeader
    var nameStart: Int
    var nameEnd: Int
    var type: UInt16
    var qclass: UInt16
    var edns: DNSEDNS?
}

/// Reads one query the way the spec wants it judged: runts and responses are dropped,
/// other opcodes are NOTIMP, and anything off-shape is FORMERR, with the question kept
/// when it could be read so the FORMERR can echo it.
enum DNSQueryParser {
    enum Result: Sendable, Equatable {
        case drop
        case notImplemented(DNSHeader)
        /// `question` is nil when the question itself could not be read.
        case formatError(DNSHeader, question: DNSQuery?, DNSParseError)
        case query(DNSQuery)
    }

    /// Parses `message`, appending the question's expanded name and its type and class
    /// (exactly as received, pointers expanded) to `out` for the response to reuse.
    /// After a `formatError` without a question, `out` may hold a partial name.
    static func parse(_ message: UnsafeRawBufferPointer, maxSize: Int,
                      questionInto out: inout [UInt8]) -> Result {
        guard message.count <= maxSize, let header = DNSHeader(message), !header.isResponse else { return .drop }
        guard header.opcode == 0 else { return .notImplemented(header) }
        if let error = countError(header) { return .formatError(header, question: nil, error) }

        let nameStart = out.count
        var position: Int
        do {
            position = try DNSName.expand(message, at: DNSHeader.size, into: &out)
        } catch {
            return .formatError(header, question: nil, error)
        }
        let nameEnd = out.count
        guard message.count &- position >= 4 else {
            return .formatError(header, question: nil,
                                .truncated(offset: message.count, reading: "the question's type and class"))
        }
        let type = DNSBytes.uint16(message, at: position)
        let qclass = DNSBytes.uint16(message, at: position &+ 2)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: message[position ..< position &+ 4]))
        position &+= 4
        var query = DNSQuery(header: header, nameStart: nameStart, nameEnd: nameEnd, type: type, qclass: qclass, edns: nil)

        if header.additionalCount == 1 {
            do {
                let (edns, end) = try readOPT(message, at: position)
                query.edns = edns
                position = end
            } catch {
                return .formatError(header, question: query, error)
            }
        }
        guard position == message.count else {
            return .formatError(header, question: query, .trailingBytes(offset: position, count: message.count &- position))
        }
        return .query(query)
    }

    private static func countError(_ header: DNSHeader) -> DNSParseError? {
        if header.questionCount != 1 { return .unexpectedCount(section: "question", count: header.questionCount) }
        if header.answerCount != 0 { return .unexpectedCount(section: "answer", count: header.answerCount) }
        if header.authorityCount != 0 { return .unexpectedCount(section: "authority", count: header.authorityCount) }
        if header.additionalCount > 1 { return .unexpectedCount(section: "additional", count: header.additionalCount) }
        return nil
    }

    /// The OPT record: root owner, type 41, CLASS the UDP size, TTL the extended RCODE,
    /// version and flags, and options that exactly fill its RDATA.
    private static func readOPT(_ message: UnsafeRawBufferPointer, at start: Int) throws(DNSParseError) -> (DNSEDNS, Int) {
        guard start < message.count else { throw .truncated(offset: start, reading: "the OPT record") }
        guard message[start] == 0 else { throw .badOPT(offset: start, reason: "its owner is not the root name") }
        let fixed = start &+ 1
        guard message.count &- fixed >= 10 else { throw .truncated(offset: message.count, reading: "the OPT record") }
        let type = DNSBytes.uint16(message, at: fixed)
        guard type == DNSRecordType.opt.rawValue else { throw .badOPT(offset: start, reason: "its type is \(type), not 41") }
        let size = DNSBytes.uint16(message, at: fixed &+ 2)
        let version = message[fixed &+ 5]
        let dnssecOK = message[fixed &+ 6] & 0x80 != 0
        let dataLength = Int(DNSBytes.uint16(message, at: fixed &+ 8))
        let dataStart = fixed &+ 10
        guard dataLength <= message.count &- dataStart else {
            throw .truncated(offset: message.count, reading: "the OPT record's \(dataLength) bytes of options")
        }
        let dataEnd = dataStart &+ dataLength
        var option = dataStart
        while option < dataEnd {
            guard dataEnd &- option >= 4 else { throw .badOPT(offset: option, reason: "an option header is cut short") }
            let optionLength = Int(DNSBytes.uint16(message, at: option &+ 2))
            guard optionLength <= dataEnd &- option &- 4 else {
                throw .badOPT(offset: option, reason: "an option runs past the record's data")
            }
            option = option &+ 4 &+ optionLength
        }
        return (DNSEDNS(udpPayloadSize: size, version: version, dnssecOK: dnssecOK), dataEnd)
    }
}
