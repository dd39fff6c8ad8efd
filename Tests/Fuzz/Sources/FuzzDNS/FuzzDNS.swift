import OverlayCore
import OverlayDNS

/// A few nodes in a /16, so names, reverse names and the apexes all have something to match.
let fuzzZone = makeZone(domain: "overlay.internal", network: "198.19.0.0/16")

/// A domain of the longest length allowed (`NetworkDomain.maxLength`, 189 characters) under a /20:
/// the longest names and negative answers, and part of its reverse apex lies outside the network.
let longZone = makeZone(domain: ["a", "b", "c"].map { String(repeating: $0, count: 49) }.joined(separator: ".") + "."
                            + String(repeating: "d", count: 30) + ".internal",
                        network: "198.19.0.0/20")

func makeZone(domain: String, network: String) -> DNSZone {
    do {
        return try DNSZone(domain: domain, network: IPv4Network(parsing: network),
                           nodes: ["alice": IPv4Address(0xC613_0001), "bob": IPv4Address(0xC613_0002),
                                   "carol": IPv4Address(0xC613_0107)],
                           serial: 1)
    } catch {
        fatalError("the fuzz zone is invalid: \(error)")
    }
}

/// One input as a query (UDP and TCP, two zones and none) and as a response. Besides
/// not trapping, every answer must be a response to that query that our own reader accepts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let id = size >= 2 ? UInt16(input[0]) << 8 | UInt16(input[1]) : 0
    for (zone, transport) in [(fuzzZone, DNSTransport.udp), (fuzzZone, .tcp), (longZone, .udp), (nil, .udp)] {
        let reply = DNSResponder.respond(to: input, zone: zone, transport: transport)
        guard let bytes = reply.bytes else {
            if reply.outcome != .dropped { fatalError("no bytes for outcome \(reply.outcome)") }
            continue
        }
        if reply.outcome == .dropped { fatalError("bytes for a dropped query") }
        if size < 12 || bytes.count < 12 { fatalError("a \(bytes.count)-byte answer to a \(size)-byte query") }
        if UInt16(bytes[0]) << 8 | UInt16(bytes[1]) != id || bytes[2] & 0x80 == 0 { fatalError("not a response to the query") }
        if transport == .udp, bytes.count > 1232 { fatalError("a \(bytes.count)-byte UDP answer") }
        do {
            _ = try DNSAnswerReader.read(bytes, expectingID: id)
        } catch {
            fatalError("our own answer does not read back: \(error)")
        }
    }
    // As a response too, with QR set so the reader gets past the header of query-shaped inputs.
    var asResponse = Array(input)
    if asResponse.count > 2 { asResponse[2] |= 0x80 }
    _ = try? DNSAnswerReader.read(asResponse, expectingID: id)
    return 0
}
