import NIOCore

/// What both transports do with one query: answer it from the zone in force now
/// and count the outcome, so UDP and TCP can never disagree on an answer.
struct DNSAnswerer: Sendable {
    let zones: DNSZoneBox
    let counters: DNSQueryCounters

    /// The answer's bytes, or nil when the query gets none (the outcome is counted either way).
    func answer(_ query: ByteBuffer, transport: DNSTransport) -> [UInt8]? {
        let zone = zones.zone
        let reply = query.withUnsafeReadableBytes { DNSResponder.respond(to: $0, zone: zone, transport: transport) }
        counters.count(reply.outcome)
        return reply.bytes
    }
}
