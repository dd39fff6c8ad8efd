/// Which section of a response a record came from: NXDOMAIN and NODATA answers carry
/// the zone's SOA in the authority section, which a printout should not call an answer.
public enum DNSSection: String, Sendable, Equatable {
    case answer, authority
}

/// One record of a response, in presentation form.
public struct DNSRecord: Sendable, Equatable {
    /// The owner with its trailing dot: "bob.overlay.internal.".
    public var name: String
    public var type: UInt16
    public var ttl: UInt32
    /// "198.19.0.2" for A, "bob.overlay.internal." for PTR, "MNAME RNAME SERIAL REFRESH RETRY
    /// EXPIRE MINIMUM" for SOA, RFC 3597 "\# LENGTH HEX" for anything else.
    public var data: String
    public var section: DNSSection

    public init(name: String, type: UInt16, ttl: UInt32, data: String, section: DNSSection) {
        self.name = name; self.type = type; self.ttl = ttl; self.data = data; self.section = section
    }
}

/// A response as `overlayctl resolve` shows it.
public struct DNSAnswer: Sendable, Equatable {
    /// The full RCODE (EDNS extended bits included): 0 NOERROR, 1 FORMERR, 2 SERVFAIL,
    /// 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED, 16 BADVERS.
    public var rcode: UInt8
    public var rcodeName: String
    public var authoritative: Bool
    /// TC was set: the records did not fit and the query should go again over TCP.
    public var truncated: Bool
    /// Answer records first, then authority records.
    public var records: [DNSRecord]

    public init(rcode: UInt8, authoritative: Bool, truncated: Bool, records: [DNSRecord]) {
        self.rcode = rcode
        self.rcodeName = DNSAnswer.name(ofRCode: rcode)
        self.authoritative = authoritative
        self.truncated = truncated
        self.records = records
    }

    public static func name(ofRCode rcode: UInt8) -> String {
        switch rcode {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 16: return "BADVERS"
        default: return "RCODE\(rcode)"
        }
    }
}
