/// Builds one response in a single byte array: the header is reserved first and filled
/// in last, the question and records are appended, and `finish` enforces the size limit
/// (header, question and OPT with TC=1 when the records do not fit).
struct DNSResponseWriter {
    /// The UDP payload overlayd advertises and the largest UDP answer it sends (DNS flag day 2020).
    static let ednsPayloadSize: UInt16 = 1232
    /// The UDP limit without EDNS (RFC 1035).
    static let classicUDPSize = 512
    static let tcpSize = 65535
    /// Pointer to the question name, which always starts right after the header.
    static let questionPointer: UInt16 = 0xC000 | UInt16(DNSHeader.size)

    enum RCode: UInt8 {
        case noError = 0, formErr = 1, servFail = 2, nxDomain = 3, notImp = 4, refused = 5
    }

    private(set) var bytes: [UInt8]
    private var id: UInt16 = 0
    private var copiedFlags: UInt16 = 0
    /// Where the question ends; 12 when there is none.
    private(set) var questionEnd = DNSHeader.size
    private var answerCount: UInt16 = 0
    private var authorityCount: UInt16 = 0
    /// Set when the response carries an OPT record (the query had one).
    var edns: (dnssecOK: Bool, extendedRCode: UInt8)?

    /// An empty response whose 12 header bytes are reserved (zero until `finish`).
    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: repeatElement(0, count: DNSHeader.size))
    }

    /// Parses the query straight into this response: the question's bytes are copied
    /// once, where the response needs them, and kept when the parser could read them.
    mutating func readQuery(_ message: UnsafeRawBufferPointer, maxSize: Int) -> DNSQueryParser.Result {
        let result = DNSQueryParser.parse(message, maxSize: maxSize, questionInto: &bytes)
        switch result {
        case .drop:
            break
        case .notImplemented(let header):
            replying(to: header, keepQuestion: false)
        case .formatError(let header, let question, _):
            replying(to: header, keepQuestion: question != nil)
        case .query(let query):
            replying(to: query.header, keepQuestion: true)
        }
        return result
    }

    private mutating func replying(to header: DNSHeader, keepQuestion: Bool) {
        id = header.id
        copiedFlags = header.copiedToResponse
        if !keepQuestion, bytes.count > DNSHeader.size { bytes.removeSubrange(DNSHeader.size...) }
        questionEnd = bytes.count
    }

    /// Starts a resource record: owner (a compression pointer), type, class IN, TTL.
    /// The caller appends RDLENGTH and RDATA.
    private mutating func recordHeader(owner: UInt16, type: DNSRecordType, ttl: UInt32) {
        DNSBytes.append(owner, to: &bytes)
        DNSBytes.append(type.rawValue, to: &bytes)
        DNSBytes.append(UInt16(1), to: &bytes)
        DNSBytes.append(ttl, to: &bytes)
    }

    mutating func appendA(owner: UInt16, ttl: UInt32, address: UInt32) {
        recordHeader(owner: owner, type: .a, ttl: ttl)
        DNSBytes.append(UInt16(4), to: &bytes)
        DNSBytes.append(address, to: &bytes)
        answerCount &+= 1
    }

    /// `data` is the RDATA as the zone precomputed it (a PTR's target, an SOA's fields).
    mutating func append(_ type: DNSRecordType, owner: UInt16, ttl: UInt32, data: [UInt8], authority: Bool = false) {
        recordHeader(owner: owner, type: type, ttl: ttl)
        DNSBytes.append(UInt16(truncatingIfNeeded: data.count), to: &bytes)
        bytes.append(contentsOf: data)
        if authority { authorityCount &+= 1 } else { answerCount &+= 1 }
    }

    /// The finished message. When it (with its OPT record) would pass `limit`, the records
    /// are cut and TC is set: the client retries over TCP.
    mutating func finish(rcode: UInt8, authoritative: Bool, limit: Int) -> [UInt8] {
        let optSize = edns == nil ? 0 : 11
        var truncated = false
        if bytes.count &+ optSize > limit {
            bytes.removeSubrange(questionEnd...)
            answerCount = 0
            authorityCount = 0
            truncated = true
        }
        if let edns {
            bytes.append(0)
            DNSBytes.append(DNSRecordType.opt.rawValue, to: &bytes)
            DNSBytes.append(DNSResponseWriter.ednsPayloadSize, to: &bytes)
            bytes.append(edns.extendedRCode)
            bytes.append(0)
            bytes.append(edns.dnssecOK ? 0x80 : 0)
            bytes.append(0)
            DNSBytes.append(UInt16(0), to: &bytes)
        }
        var flags: UInt16 = 0x8000 | copiedFlags | UInt16(rcode & 0xF)
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        DNSBytes.set(id, at: 0, in: &bytes)
        DNSBytes.set(flags, at: 2, in: &bytes)
        DNSBytes.set(questionEnd > DNSHeader.size ? 1 : 0, at: 4, in: &bytes)
        DNSBytes.set(answerCount, at: 6, in: &bytes)
        DNSBytes.set(authorityCount, at: 8, in: &bytes)
        DNSBytes.set(edns == nil ? 0 : 1, at: 10, in: &bytes)
        return bytes
    }
}
