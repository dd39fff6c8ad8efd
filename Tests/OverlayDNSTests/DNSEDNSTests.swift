@testable import OverlayDNS
import Testing

@Suite struct DNSEDNSTests {
    /// The OPT record at the end of a response: (UDP size, extended RCODE, version, DO).
    func opt(_ bytes: [UInt8]) -> (size: UInt16, extended: UInt8, version: UInt8, dnssecOK: Bool, rdlength: UInt16) {
        let o = bytes.count - 11
        #expect(bytes[o] == 0 && bytes[o + 1] == 0 && bytes[o + 2] == 41)
        return (UInt16(bytes[o + 3]) << 8 | UInt16(bytes[o + 4]), bytes[o + 5], bytes[o + 6], bytes[o + 7] & 0x80 != 0,
                UInt16(bytes[o + 9]) << 8 | UInt16(bytes[o + 10]))
    }

    @Test(arguments: [false, true])
    func anOPTIsEchoedWithTheDOBit(dnssecOK: Bool) throws {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt(size: 4096, dnssecOK: dnssecOK)))
        #expect(reply.outcome == .answer)
        let bytes = try #require(reply.bytes)
        #expect(ResponseHeader(bytes).ar == 1)
        let o = opt(bytes)
        #expect(o.size == 1232 && o.extended == 0 && o.version == 0 && o.dnssecOK == dnssecOK && o.rdlength == 0)
        #expect(try DNSAnswerReader.read(bytes, expectingID: 0x1234).records.map(\.data) == ["198.19.0.2"])
    }

    @Test func noOPTInNoOPTOut() throws {
        let bytes = try #require(DNSFixture.respond(DNSFixture.query("bob.overlay.internal")).bytes)
        #expect(ResponseHeader(bytes).ar == 0)
    }

    @Test func negativeAnswersAndRefusalsCarryTheOPTToo() throws {
        for name in ["nobody.overlay.internal", "example.com"] {
            let bytes = try #require(DNSFixture.respond(DNSFixture.query(name, edns: DNSFixture.opt())).bytes)
            #expect(ResponseHeader(bytes).ar == 1)
            #expect(opt(bytes).size == 1232)
        }
    }

    @Test func optionsInTheOPTAreAcceptedAndNotEchoed() throws {
        // A client cookie (option 10, 8 bytes), as dig sends.
        let cookie: [UInt8] = [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt(options: cookie)))
        #expect(reply.outcome == .answer)
        #expect(opt(try #require(reply.bytes)).rdlength == 0)
    }

    @Test func anotherEDNSVersionIsBADVERS() throws {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt(version: 1)))
        #expect(reply.outcome == .formerr)
        let bytes = try #require(reply.bytes)
        let header = ResponseHeader(bytes)
        #expect(header.rcode == 0 && header.an == 0 && header.qd == 1)
        #expect(opt(bytes).extended == 1 && opt(bytes).version == 0)
        let answer = try DNSAnswerReader.read(bytes, expectingID: 0x1234)
        #expect(answer.rcode == 16 && answer.rcodeName == "BADVERS")
    }

    @Test(arguments: [
        ("an option cut short", DNSFixture.opt(options: [0, 10, 0])),
        ("an option longer than the data", DNSFixture.opt(options: [0, 10, 0, 9, 1, 2, 3, 4])),
        ("a named owner", [1, 0x61, 0] + Array(DNSFixture.opt().dropFirst())),
        ("type A instead of OPT", [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]),
        ("a cut-off OPT", Array(DNSFixture.opt().prefix(7))),
        ("data longer than the message", [0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 5, 1]),
    ])
    func aBadOPTIsFORMERR(_ what: String, optBytes: [UInt8]) throws {
        let query = DNSFixture.query("bob.overlay.internal", edns: optBytes)
        let reply = DNSFixture.respond(query)
        #expect(reply.outcome == .formerr, "\(what)")
        let header = ResponseHeader(try #require(reply.bytes))
        #expect(header.rcode == 1 && header.qd == 1 && header.ar == 0, "\(what)")
    }
}
