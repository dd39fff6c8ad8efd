/// Reads a response to one of our queries. It is as strict as the query parser (the
/// bytes come off the network) but accepts compression anywhere a response may use it.
public enum DNSAnswerReader {
    public static func read(_ bytes: [UInt8], expectingID: UInt16) throws(DNSParseError) -> DNSAnswer {
        let result = bytes.withUnsafeBytes { message -> Result<DNSAnswer, DNSParseError> in
            do throws(DNSParseError) { return .success(try read(message, expectingID: expectingID)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func read(_ message: UnsafeRawBufferPointer, expectingID: UInt16) throws(DNSParseError) -> DNSAnswer {
        guard let header = DNSHeader(message) else { throw .tooShort(length: message.count) }
        guard header.id == expectingID else { throw .idMismatch(expected: expectingID, received: header.id) }
        guard header.isResponse else { throw .notAResponse }
        var position = DNSHeader.size
        var scratch: [UInt8] = []
        scratch.reserveCapacity(DNSName.maxWireLength)
        for _ in 0..<header.questionCount {
            scratch.removeAll(keepingCapacity: true)
            position = try DNSName.expand(message, at: position, into: &scratch)
            guard message.count &- position >= 4 else { throw .truncated(offset: message.count, reading: "a question's type and class") }
            position &+= 4
        }
        var records: [DNSRecord] = []
        var extendedRCode: UInt8 = 0
        let sections: [(DNSSection?, UInt16)] = [(.answer, header.answerCount), (.authority, header.authorityCount),
                                                 (nil, header.additionalCount)]
        for (section, count) in sections {
            for _ in 0..<count {
                let record = try readRecord(message, at: &position, scratch: &scratch)
                if let section {
                    records.append(DNSRecord(name: record.name, type: record.type, ttl: record.ttl, data: record.data, section: section))
                } else if record.type == DNSRecordType.opt.rawValue {
                    extendedRCode = UInt8(truncatingIfNeeded: record.ttl >> 24)
                }
            }
        }
        guard position == message.count else {
            throw .trailingBytes(offset: position, count: message.count &- position)
        }
        let rcode = UInt8(clamping: UInt16(extendedRCode) << 4 | UInt16(header.rcode))
        return DNSAnswer(rcode: rcode, authoritative: header.authoritative, truncated: header.truncated, records: records)
    }

    private struct RawRecord {
        var name: String
        var type: UInt16
        var ttl: UInt32
        var data: String
    }

    private static func readRecord(_ message: UnsafeRawBufferPointer, at position: inout Int,
                                   scratch: inout [UInt8]) throws(DNSParseError) -> RawRecord {
        scratch.removeAll(keepingCapacity: true)
        position = try DNSName.expand(message, at: position, into: &scratch)
        let name = DNSName.text(scratch)
        guard message.count &- position >= 10 else { throw .truncated(offset: message.count, reading: "a record's fixed fields") }
        let type = DNSBytes.uint16(message, at: position)
        let ttl = DNSBytes.uint32(message, at: position &+ 4)
        let length = Int(DNSBytes.uint16(message, at: position &+ 8))
        let start = position &+ 10
        guard length <= message.count &- start else {
            throw .truncated(offset: message.count, reading: "a type-\(type) record's \(length) bytes of data")
        }
        let end = start &+ length
        let data = try recordData(message, type: type, start: start, end: end, scratch: &scratch)
        position = end
        return RawRecord(name: name, type: type, ttl: ttl, data: data)
    }

    private static func recordData(_ message: UnsafeRawBufferPointer, type: UInt16, start: Int, end: Int,
                                   scratch: inout [UInt8]) throws(DNSParseError) -> String {
        switch DNSRecordType(rawValue: type) {
        case .a:
            guard end &- start == 4 else { throw .badRecordData(offset: start, type: type, reason: "an A record has 4 bytes, not \(end &- start)") }
            return "\(message[start]).\(message[start &+ 1]).\(message[start &+ 2]).\(message[start &+ 3])"
        case .ptr, .ns, .cname:
            let (name, after) = try nameInData(message, at: start, end: end, type: type, scratch: &scratch)
            guard after == end else { throw .badRecordData(offset: after, type: type, reason: "bytes follow the name") }
            return name
        case .soa:
            let (mname, afterM) = try nameInData(message, at: start, end: end, type: type, scratch: &scratch)
            let (rname, afterR) = try nameInData(message, at: afterM, end: end, type: type, scratch: &scratch)
            guard end &- afterR == 20 else {
                throw .badRecordData(offset: afterR, type: type, reason: "an SOA has 20 bytes of numbers after its names, not \(end &- afterR)")
            }
            let numbers = (0..<5).map { DNSBytes.uint32(message, at: afterR &+ 4 &* $0) }
            return ([mname, rname] + numbers.map(String.init)).joined(separator: " ")
        default:
            let hex = UnsafeRawBufferPointer(rebasing: message[start ..< end]).map { byte -> String in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
            return end == start ? "\\# 0" : "\\# \(end &- start) \(hex)"
        }
    }

    /// A name inside RDATA: it may point anywhere backward, but must end inside the RDATA.
    private static func nameInData(_ message: UnsafeRawBufferPointer, at start: Int, end: Int, type: UInt16,
                                   scratch: inout [UInt8]) throws(DNSParseError) -> (String, Int) {
        scratch.removeAll(keepingCapacity: true)
        let bounded = UnsafeRawBufferPointer(rebasing: message[0 ..< end])
        let after = try DNSName.expand(bounded, at: start, into: &scratch)
        return (DNSName.text(scratch), after)
    }
}
