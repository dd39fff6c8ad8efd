@testable import OverlayDNS
import OverlayCore
import Testing

@Suite struct DNSTruncationTests {
    /// A 188-character domain, near the longest allowed: a negative answer for a long
    /// name under it (the question, then the SOA) passes 512 bytes.
    static let longDomain = (0 ..< 4).map { String(repeating: Character(UnicodeScalar(UInt8(0x61 + $0))), count: 44) }
        .joined(separator: ".") + ".internal"
    let zone = DNSFixture.zone(domain: DNSTruncationTests.longDomain, nodes: ["bob": "198.19.0.2"])
    var missing: String { String(repeating: "x", count: 63) + "." + DNSTruncationTests.longDomain }

    @Test func anAnswerPast512BytesWithoutEDNSIsTruncatedOverUDP() throws {
        let query = DNSFixture.query(missing)
        let reply = DNSFixture.respond(query, zone: zone)
        #expect(reply.outcome == .nxdomain)
        let bytes = try #require(reply.bytes)
        let header = ResponseHeader(bytes)
        #expect(header.tc && header.rcode == 3 && header.aa)
        #expect((header.qd, header.an, header.ns, header.ar) == (1, 0, 0, 0))
        #expect(bytes.count == query.count)
        #expect(Array(bytes[12...]) == Array(query[12...]))
        #expect(try DNSAnswerReader.read(bytes, expectingID: 0x1234).truncated)
    }

    @Test func theSameAnswerFitsOverTCP() throws {
        let reply = DNSFixture.respond(DNSFixture.query(missing), zone: zone, transport: .tcp)
        let bytes = try #require(reply.bytes)
        #expect(!ResponseHeader(bytes).tc && ResponseHeader(bytes).ns == 1)
        #expect(bytes.count > 512)
        #expect(try DNSAnswerReader.read(bytes, expectingID: 0x1234).records.count == 1)
    }

    @Test func itFitsWithAnEDNSBufferOf1232() throws {
        let bytes = try #require(DNSFixture.respond(DNSFixture.query(missing, edns: DNSFixture.opt(size: 1232)), zone: zone).bytes)
        #expect(!ResponseHeader(bytes).tc && ResponseHeader(bytes).ns == 1 && ResponseHeader(bytes).ar == 1)
    }

    @Test(arguments: [UInt16(0), 100, 511, 512, 600])
    func anEDNSBufferBelowTheAnswerTruncatesAndKeepsTheOPT(size: UInt16) throws {
        let bytes = try #require(DNSFixture.respond(DNSFixture.query(missing, edns: DNSFixture.opt(size: size)), zone: zone).bytes)
        let header = ResponseHeader(bytes)
        #expect(header.tc && header.ns == 0 && header.ar == 1)
        #expect(bytes.count <= 600)
    }

    @Test func theWriterCutsRecordsPastTheLimitAndSetsTC() throws {
        let query = DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt())
        for (limit, truncated) in [(512, true), (1232, true), (65535, false)] {
            var writer = DNSResponseWriter()
            let parsed = query.withUnsafeBytes { writer.readQuery($0, maxSize: DNSResponder.maxQuerySize) }
            guard case .query = parsed else { Issue.record("not parsed: \(parsed)"); return }
            writer.edns = (false, 0)
            for i in 0 ..< 100 { writer.appendA(owner: DNSResponseWriter.questionPointer, ttl: 5, address: UInt32(i)) }
            let bytes = writer.finish(rcode: 0, authoritative: true, limit: limit)
            let header = ResponseHeader(bytes)
            #expect(header.tc == truncated)
            #expect(header.an == (truncated ? 0 : 100))
            #expect(header.ar == 1)
            #expect(bytes.count <= limit)
            #expect(bytes.count == (truncated ? query.count : query.count + 100 * 16))
            let answer = try DNSAnswerReader.read(bytes, expectingID: 0x1234)
            #expect(answer.records.count == (truncated ? 0 : 100))
        }
    }

    @Test func theWriterLeavesAMessageExactlyAtTheLimitAlone() {
        let query = DNSFixture.query("bob.overlay.internal")
        var writer = DNSResponseWriter()
        _ = query.withUnsafeBytes { writer.readQuery($0, maxSize: DNSResponder.maxQuerySize) }
        writer.appendA(owner: DNSResponseWriter.questionPointer, ttl: 5, address: 1)
        let size = query.count + 16
        var atLimit = writer
        #expect(!ResponseHeader(atLimit.finish(rcode: 0, authoritative: true, limit: size)).tc)
        #expect(ResponseHeader(writer.finish(rcode: 0, authoritative: true, limit: size - 1)).tc)
    }
}
