/// What the resolver did with one query, for the counters and metrics: every query
/// lands in exactly one of these.
public enum DNSOutcome: String, Sendable, CaseIterable {
    /// NOERROR with records.
    case answer
    /// NOERROR without records: the name exists but not with that type (SOA in authority).
    case nodata
    case nxdomain
    /// Outside the zones, a zone transfer, or a class other than IN.
    case refused
    /// Malformed, or an EDNS version other than 0 (BADVERS).
    case formerr
    /// An opcode other than QUERY.
    case notimp
    /// No zone yet (the roster has not arrived).
    case servfail
    /// Not answered at all: a runt, an oversized datagram, or a response.
    case dropped
}
