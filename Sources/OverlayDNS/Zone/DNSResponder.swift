/// The resolver's whole decision, bytes in and bytes out: authoritative for the overlay
/// domain and the network's reverse zone, never recursive (RA=0), REFUSED for every
/// other name so it can never serve as an open resolver. Pure and allocation-light: one
/// array per answer, no Foundation, no Strings, as it runs on the event loop per datagram.
public enum DNSResponder {
    /// Larger queries are dropped unread (the largest legitimate one is far smaller), and
    /// TCP frames longer than this close the connection.
    public static let maxQuerySize = 1232

    public static func respond(to query: [UInt8], zone: DNSZone?, transport: DNSTransport) -> DNSReply {
        query.withUnsafeBytes { respond(to: $0, zone: zone, transport: transport) }
    }

    public static func respond(to message: UnsafeRawBufferPointer, zone: DNSZone?, transport: DNSTransport) -> DNSReply {
        var writer = DNSResponseWriter()
        let query: DNSQuery
        switch writer.readQuery(message, maxSize: maxQuerySize) {
        case .drop:
            return DNSReply(bytes: nil, outcome: .dropped)
        case .notImplemented:
            return reply(&writer, .notImp, .notimp, authoritative: false, limit: DNSResponseWriter.classicUDPSize)
        case .formatError(_, let question, _):
            if let edns = question?.edns { writer.edns = (edns.dnssecOK, 0) }
            return reply(&writer, .formErr, .formerr, authoritative: false, limit: DNSResponseWriter.classicUDPSize)
        case .query(let parsed):
            query = parsed
        }

        var limit = DNSResponseWriter.tcpSize
        if transport == .udp {
            let asked = query.edns.map { Int($0.udpPayloadSize) } ?? DNSResponseWriter.classicUDPSize
            limit = max(DNSResponseWriter.classicUDPSize, min(asked, Int(DNSResponseWriter.ednsPayloadSize)))
        }
        if let edns = query.edns {
            guard edns.version == 0 else {
                // BADVERS is 16: the OPT record's extended RCODE carries the upper bits.
                writer.edns = (edns.dnssecOK, 1)
                return reply(&writer, .noError, .formerr, authoritative: false, limit: limit)
            }
            writer.edns = (edns.dnssecOK, 0)
        }
        guard query.qclass == 1 || query.qclass == 255 else {
            return reply(&writer, .refused, .refused, authoritative: false, limit: limit)
        }
        guard query.type != DNSRecordType.axfr.rawValue, query.type != DNSRecordType.ixfr.rawValue else {
            return reply(&writer, .refused, .refused, authoritative: false, limit: limit)
        }
        guard let zone else {
            return reply(&writer, .servFail, .servfail, authoritative: false, limit: limit)
        }
        let found = writer.bytes.withUnsafeBufferPointer { zone.match($0, start: query.nameStart, end: query.nameEnd) }
        guard let found else {
            return reply(&writer, .refused, .refused, authoritative: false, limit: limit)
        }

        let type = query.type
        let any = DNSRecordType.any.rawValue
        let soaOwner = 0xC000 | UInt16(truncatingIfNeeded: found.apexOffset)
        switch found.kind {
        case .apex where type == DNSRecordType.soa.rawValue || type == any:
            writer.append(.soa, owner: DNSResponseWriter.questionPointer, ttl: zone.negativeTTL, data: zone.tables.soaData)
            return reply(&writer, .noError, .answer, authoritative: true, limit: limit)
        case .node(let address) where type == DNSRecordType.a.rawValue || type == any:
            writer.appendA(owner: DNSResponseWriter.questionPointer, ttl: zone.ttl, address: address)
            return reply(&writer, .noError, .answer, authoritative: true, limit: limit)
        case .pointer(let target) where type == DNSRecordType.ptr.rawValue || type == any:
            writer.append(.ptr, owner: DNSResponseWriter.questionPointer, ttl: zone.ttl, data: target)
            return reply(&writer, .noError, .answer, authoritative: true, limit: limit)
        case .apex, .node, .pointer:
            writer.append(.soa, owner: soaOwner, ttl: zone.negativeTTL, data: zone.tables.soaData, authority: true)
            return reply(&writer, .noError, .nodata, authoritative: true, limit: limit)
        case .missing:
            writer.append(.soa, owner: soaOwner, ttl: zone.negativeTTL, data: zone.tables.soaData, authority: true)
            return reply(&writer, .nxDomain, .nxdomain, authoritative: true, limit: limit)
        }
    }

    @inline(__always)
    private static func reply(_ writer: inout DNSResponseWriter, _ rcode: DNSResponseWriter.RCode, _ outcome: DNSOutcome,
                              authoritative: Bool, limit: Int) -> DNSReply {
        DNSReply(bytes: writer.finish(rcode: rcode.rawValue, authoritative: authoritative, limit: limit), outcome: outcome)
    }
}
