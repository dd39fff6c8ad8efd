@testable import OverlayDNS
import OverlayCore
import Testing

@Suite struct DNSRoundTripTests {
    let zone = DNSFixture.zone()

    func ask(_ name: String, _ type: DNSRecordType, id: UInt16 = 77, edns: Bool = true,
             transport: DNSTransport = .udp) throws -> DNSAnswer {
        let query = try DNSQueryWriter.query(id: id, name: name, type: type, edns: edns)
        let reply = DNSResponder.respond(to: query, zone: zone, transport: transport)
        return try DNSAnswerReader.read(try #require(reply.bytes), expectingID: id)
    }

    @Test(arguments: [true, false])
    func aRecords(edns: Bool) throws {
        let answer = try ask("bob.overlay.internal.", .a, edns: edns)
        #expect(answer.rcode == 0 && answer.rcodeName == "NOERROR" && answer.authoritative && !answer.truncated)
        #expect(answer.records == [DNSRecord(name: "bob.overlay.internal.", type: 1, ttl: 5, data: "198.19.0.2", section: .answer)])
    }

    @Test func pointerRecords() throws {
        let answer = try ask(DNSZone.reverseName(of: IPv4Address("198.19.0.1")!), .ptr, transport: .tcp)
        #expect(answer.records.map(\.data) == ["alice.overlay.internal."])
        #expect(answer.records.map(\.type) == [DNSRecordType.ptr.rawValue])
    }

    @Test func negativeAnswers() throws {
        let nodata = try ask("bob.overlay.internal", .aaaa)
        #expect(nodata.rcodeName == "NOERROR" && nodata.records.map(\.section) == [.authority])
        let nx = try ask("nobody.overlay.internal", .a)
        #expect(nx.rcodeName == "NXDOMAIN" && nx.records.first?.data.hasPrefix("ns.overlay.internal. ") == true)
        let refused = try ask("example.com", .a)
        #expect(refused.rcodeName == "REFUSED" && !refused.authoritative && refused.records.isEmpty)
        let soa = try ask("overlay.internal", .soa)
        #expect(soa.records.map(\.type) == [6] && soa.records.map(\.section) == [.answer])
    }

    @Test func theQueryWriterWritesWhatDigWould() throws {
        let query = try DNSQueryWriter.query(id: 0xBEEF, name: "bob.overlay.internal", type: .a)
        #expect(Array(query.prefix(12)) == DNSFixture.header(id: 0xBEEF, flags: 0x0100, ar: 1))
        #expect(Array(query[12...]) == DNSFixture.wire("bob.overlay.internal") + [0, 1, 0, 1] + DNSFixture.opt())
        let plain = try DNSQueryWriter.query(id: 1, name: ".", type: 6, edns: false)
        #expect(plain == DNSFixture.header(id: 1) + [0, 0, 6, 0, 1])
    }

    @Test(arguments: ["", "a..b", ".a", String(repeating: "x", count: 64) + ".internal",
                      Array(repeating: String(repeating: "y", count: 63), count: 4).joined(separator: ".")])
    func theQueryWriterRefusesNamesThatCannotBeSent(name: String) {
        #expect {
            try DNSQueryWriter.query(id: 1, name: name, type: .a)
        } throws: { error in
            guard case .invalidQueryName(let n, _) = error as? DNSNameError else { return false }
            return n == name
        }
    }

    @Test func theReaderRefusesAnotherIDAndQueries() throws {
        let query = try DNSQueryWriter.query(id: 5, name: "bob.overlay.internal", type: .a)
        let response = try #require(DNSResponder.respond(to: query, zone: zone, transport: .udp).bytes)
        #expect(throws: DNSParseError.idMismatch(expected: 6, received: 5)) { try DNSAnswerReader.read(response, expectingID: 6) }
        #expect(throws: DNSParseError.notAResponse) { try DNSAnswerReader.read(query, expectingID: 5) }
        #expect(throws: DNSParseError.tooShort(length: 3)) { try DNSAnswerReader.read([0, 5, 0x80], expectingID: 5) }
        #expect(throws: DNSParseError.trailingBytes(offset: response.count, count: 1)) {
            try DNSAnswerReader.read(response + [0], expectingID: 5)
        }
    }

    @Test func theReaderRefusesEveryCutOffResponse() throws {
        let query = try DNSQueryWriter.query(id: 5, name: "nobody.overlay.internal", type: .a)
        let response = try #require(DNSResponder.respond(to: query, zone: zone, transport: .udp).bytes)
        for length in 0 ..< response.count {
            #expect(throws: DNSParseError.self) { try DNSAnswerReader.read(Array(response.prefix(length)), expectingID: 5) }
        }
    }

    @Test func theReaderShowsOtherTypesAsRFC3597Hex() throws {
        // A hand-made response: question bob/AAAA, one AAAA answer and one empty TXT.
        var response = DNSFixture.header(id: 9, flags: 0x8400, an: 2)
        response += DNSFixture.wire("bob") + [0, 28, 0, 1]
        response += [0xC0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16] + [0xfd] + Array(repeating: 0, count: 14) + [1]
        response += [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 0]
        let answer = try DNSAnswerReader.read(response, expectingID: 9)
        #expect(answer.records.map(\.data) == ["\\# 16 fd000000000000000000000000000001", "\\# 0"])
        #expect(answer.records.map(\.name) == ["bob.", "bob."])
    }

    @Test func theReaderChecksRecordData() {
        var response = DNSFixture.header(id: 9, flags: 0x8400, an: 1) + DNSFixture.wire("bob") + [0, 1, 0, 1]
        response += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 3, 1, 2, 3]
        #expect(throws: DNSParseError.self) { try DNSAnswerReader.read(response, expectingID: 9) }
        var ptr = DNSFixture.header(id: 9, flags: 0x8400, an: 1) + DNSFixture.wire("bob") + [0, 12, 0, 1]
        ptr += [0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 3, 0xC0, 12, 0]
        #expect(throws: DNSParseError.self) { try DNSAnswerReader.read(ptr, expectingID: 9) }
    }

    @Test func namesPrintWithEscapes() {
        #expect(DNSName.text([0]) == ".")
        #expect(DNSName.text([3, 0x61, 0x2e, 0x5c, 1, 0x20, 0]) == "a\\.\\\\.\\032.")
    }

    @Test func recordTypeMnemonics() {
        #expect(DNSRecordType(mnemonic: "aaaa") == .aaaa)
        #expect(DNSRecordType(mnemonic: "Ptr") == .ptr)
        #expect(DNSRecordType(mnemonic: "BOGUS") == nil)
        #expect(DNSRecordType.mnemonic(of: 1) == "A" && DNSRecordType.mnemonic(of: 99) == "TYPE99")
        #expect(DNSAnswer.name(ofRCode: 9) == "RCODE9")
    }
}
