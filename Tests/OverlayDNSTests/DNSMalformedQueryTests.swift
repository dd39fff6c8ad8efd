@testable import OverlayDNS
import Testing

@Suite struct DNSMalformedQueryTests {
    let valid = DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt())

    /// A FORMERR echoes the ID and, when the question could not be read, no question.
    func expectFormErr(_ query: [UInt8], question: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let reply = DNSFixture.respond(query)
        #expect(reply.outcome == .formerr, sourceLocation: sourceLocation)
        guard let bytes = reply.bytes else { Issue.record("no FORMERR sent", sourceLocation: sourceLocation); return }
        let header = ResponseHeader(bytes)
        #expect(header.id == UInt16(query[0]) << 8 | UInt16(query[1]), sourceLocation: sourceLocation)
        #expect(header.qr && header.rcode == 1 && !header.aa && !header.ra, sourceLocation: sourceLocation)
        #expect((header.an, header.ns) == (0, 0), sourceLocation: sourceLocation)
        #expect(header.qd == (question ? 1 : 0), sourceLocation: sourceLocation)
        if !question { #expect(bytes.count == 12, sourceLocation: sourceLocation) }
    }

    @Test func everyPrefixOfAValidQueryIsDroppedOrFORMERR() {
        for length in 0 ..< valid.count {
            for transport in [DNSTransport.udp, .tcp] {
                let reply = DNSFixture.respond(Array(valid.prefix(length)), transport: transport)
                if length < 12 {
                    #expect(reply.outcome == .dropped && reply.bytes == nil, "length \(length)")
                } else {
                    #expect(reply.outcome == .formerr, "length \(length)")
                    #expect(reply.bytes.map { ResponseHeader($0).id } == 0x1234, "length \(length)")
                }
            }
        }
        #expect(DNSFixture.respond(valid).outcome == .answer)
    }

    @Test func aPointerToItselfIsFORMERR() {
        expectFormErr(DNSFixture.header() + [0xC0, 12, 0, 1, 0, 1])
    }

    @Test func aPointerLoopIsFORMERR() {
        // "a" then a pointer back to the "a": backward each time, but endless.
        expectFormErr(DNSFixture.header() + [1, 0x61, 0xC0, 12, 0, 1, 0, 1])
    }

    @Test func aForwardPointerIsFORMERR() {
        expectFormErr(DNSFixture.header() + [0xC0, 18, 0, 1, 0, 1, 3, 0x62, 0x6f, 0x62, 0])
    }

    @Test func aPointerPastTheEndIsFORMERR() {
        expectFormErr(DNSFixture.header() + [0xFF, 0xFF, 0, 1, 0, 1])
    }

    @Test func aBackwardPointerIntoTheHeaderIsFollowedAndExpanded() throws {
        // ID 0x0000: byte 0 is a zero byte, i.e. the root name.
        let query = DNSFixture.header(id: 0) + [0xC0, 0, 0, 1, 0, 1]
        let reply = DNSFixture.respond(query)
        #expect(reply.outcome == .refused)
        let bytes = try #require(reply.bytes)
        // The pointer is expanded in the copied question: the root's single zero byte.
        #expect(Array(bytes[12...]) == [0, 0, 1, 0, 1])
    }

    @Test func sixteenJumpsAreAllowedAndSeventeenAreNot() throws {
        func chain(_ jumps: Int) -> [UInt8] {
            // At offset 12: "\u{1}x" then root, then `jumps` pointers each to the one before, the first to 12.
            var body: [UInt8] = [1, 0x78, 0]
            var previous = 12
            for _ in 0 ..< jumps {
                let here = 12 + body.count
                body += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xff)]
                previous = here
            }
            return body
        }
        // Messages can only hold one question, so exercise the name reader directly on the chain.
        for (jumps, ok) in [(16, true), (17, false)] {
            let message = DNSFixture.header() + chain(jumps)
            var out: [UInt8] = []
            let result = message.withUnsafeBytes { raw -> Result<Int, DNSParseError> in
                do throws(DNSParseError) { return .success(try DNSName.expand(raw, at: message.count - 2, into: &out)) } catch { return .failure(error) }
            }
            switch result {
            case .success(let end):
                #expect(ok, "\(jumps) jumps")
                #expect(end == message.count)
                #expect(out == [1, 0x78, 0])
            case .failure(let error):
                #expect(!ok, "\(jumps) jumps: \(error)")
                #expect(error == .tooManyPointers(offset: message.count - 2))
            }
        }
    }

    @Test(arguments: [UInt8(0x40), 0x80, 0x41, 0xBF])
    func reservedLabelTypesAreFORMERR(byte: UInt8) {
        expectFormErr(DNSFixture.header() + [byte] + Array(repeating: 0x61, count: 70) + [0, 0, 1, 0, 1])
    }

    @Test func aSixtyFourByteLabelIsFORMERR() {
        // 64 as a length byte is 0x40: the reserved extended label type.
        expectFormErr(DNSFixture.header() + [64] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1])
    }

    @Test func aNameOf255BytesIsReadAndOneOf256IsNot() throws {
        func name(lastLabel: Int) -> [UInt8] {
            var out: [UInt8] = []
            for _ in 0 ..< 3 { out += [63] + Array(repeating: 0x61, count: 63) }
            return out + [UInt8(lastLabel)] + Array(repeating: 0x62, count: lastLabel) + [0]
        }
        #expect(name(lastLabel: 61).count == 255)
        #expect(DNSFixture.respond(DNSFixture.header() + name(lastLabel: 61) + [0, 1, 0, 1]).outcome == .refused)
        expectFormErr(DNSFixture.header() + name(lastLabel: 62) + [0, 1, 0, 1])
    }

    @Test func aNameFarPast255BytesIsFORMERR() {
        var name: [UInt8] = []
        for _ in 0 ..< 5 { name += [63] + Array(repeating: 0x61, count: 63) }
        expectFormErr(DNSFixture.header() + name + [0, 0, 1, 0, 1])
    }

    @Test func aLabelRunningPastTheEndIsFORMERR() {
        expectFormErr(DNSFixture.header() + [10, 0x61, 0x62])
    }

    @Test(arguments: [(UInt16(2), UInt16(0), UInt16(0), UInt16(0)), (0, 0, 0, 0), (1, 1, 0, 0), (1, 0, 1, 0), (1, 0, 0, 2)])
    func wrongSectionCountsAreFORMERRWithoutQuestion(qd: UInt16, an: UInt16, ns: UInt16, ar: UInt16) {
        let body = DNSFixture.wire("bob.overlay.internal") + [0, 1, 0, 1]
        expectFormErr(DNSFixture.header(qd: qd, an: an, ns: ns, ar: ar) + body + body)
    }

    @Test func trailingBytesAreFORMERRWithTheQuestion() {
        expectFormErr(DNSFixture.query("bob.overlay.internal") + [0], question: true)
        expectFormErr(valid + [0, 0], question: true)
    }

    @Test func anARCOUNTOfOneWithoutTheRecordIsFORMERRWithTheQuestion() {
        expectFormErr(DNSFixture.header(ar: 1) + DNSFixture.wire("bob.overlay.internal") + [0, 1, 0, 1], question: true)
    }

    @Test(arguments: [UInt16(1), 2, 4, 5, 15])
    func otherOpcodesAreNOTIMP(opcode: UInt16) throws {
        let query = DNSFixture.query("bob.overlay.internal", flags: opcode << 11 | 0x0100)
        let reply = DNSFixture.respond(query)
        #expect(reply.outcome == .notimp)
        let header = ResponseHeader(try #require(reply.bytes))
        #expect(header.rcode == 4 && header.opcode == opcode && header.qr && header.rd && !header.aa && header.id == 0x1234)
    }

    @Test func responsesAreDropped() {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", flags: 0x8000))
        #expect(reply.outcome == .dropped && reply.bytes == nil)
    }

    @Test func runtsAndOversizedDatagramsAreDropped() {
        #expect(DNSFixture.respond(Array(valid.prefix(11))).outcome == .dropped)
        #expect(DNSFixture.respond([]).outcome == .dropped)
        let big = valid + Array(repeating: 0, count: DNSResponder.maxQuerySize + 1 - valid.count)
        #expect(DNSFixture.respond(big).outcome == .dropped)
        #expect(DNSFixture.respond(big, transport: .tcp).outcome == .dropped)
        let justFits = valid + Array(repeating: 0, count: DNSResponder.maxQuerySize - valid.count)
        #expect(DNSFixture.respond(justFits).outcome == .formerr)
    }

    @Test(arguments: [UInt16(3), 4, 254, 0, 2])
    func classesOtherThanINAndANYAreREFUSED(qclass: UInt16) throws {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", type: 16, qclass: qclass))
        #expect(reply.outcome == .refused)
        let header = ResponseHeader(try #require(reply.bytes))
        #expect(header.rcode == 5 && !header.aa && header.qd == 1)
    }

    @Test(arguments: [UInt16(252), 251])
    func zoneTransfersAreREFUSED(type: UInt16) throws {
        for name in ["overlay.internal", "19.198.in-addr.arpa"] {
            let reply = DNSFixture.respond(DNSFixture.query(name, type: type), transport: .tcp)
            #expect(reply.outcome == .refused)
            #expect(!ResponseHeader(try #require(reply.bytes)).aa)
        }
    }

    @Test func theResponseCopiesRDAndCDButNeverSetsRA() throws {
        let withoutRD = try #require(DNSFixture.respond(DNSFixture.query("bob.overlay.internal", flags: 0x0010)).bytes)
        let header = ResponseHeader(withoutRD)
        #expect(!header.rd && !header.ra && header.flags & 0x0010 != 0)
        // AD and Z from the query are not copied.
        let withAD = try #require(DNSFixture.respond(DNSFixture.query("bob.overlay.internal", flags: 0x0160)).bytes)
        #expect(ResponseHeader(withAD).flags & 0x0060 == 0)
    }

    @Test func parseErrorsNameWhatFailed() {
        #expect(DNSParseError.forwardPointer(offset: 12, target: 18).description.contains("byte 18"))
        #expect(DNSParseError.tooManyPointers(offset: 12).description.contains("16"))
        #expect(DNSParseError.idMismatch(expected: 1, received: 2).description.contains("ID 2"))
        #expect(DNSParseError.unexpectedCount(section: "question", count: 2).description.contains("2 question"))
    }
}
