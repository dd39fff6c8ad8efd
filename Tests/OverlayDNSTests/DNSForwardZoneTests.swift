@testable import OverlayDNS
import OverlayCore
import Testing

@Suite struct DNSForwardZoneTests {
    let zone = DNSFixture.zone()

    func read(_ reply: DNSReply, id: UInt16 = 0x1234) throws -> DNSAnswer {
        try DNSAnswerReader.read(try #require(reply.bytes), expectingID: id)
    }

    @Test func answersANodeWithTheQuestionsCaseKept() throws {
        let query = DNSFixture.query("BoB.OvErLaY.iNtErNaL")
        let reply = DNSFixture.respond(query)
        #expect(reply.outcome == .answer)
        let bytes = try #require(reply.bytes)
        let header = ResponseHeader(bytes)
        #expect(header.id == 0x1234 && header.qr && header.aa && header.rd && !header.ra && !header.tc)
        #expect((header.qd, header.an, header.ns, header.ar) == (1, 1, 0, 0))
        // The question is copied byte for byte, 0x20 case included.
        #expect(Array(bytes[12 ..< query.count]) == Array(query[12...]))
        // The answer's owner points at the question.
        #expect(Array(bytes[query.count ..< query.count + 2]) == [0xC0, 0x0C])
        let answer = try read(reply)
        #expect(answer.rcodeName == "NOERROR")
        #expect(answer.records == [DNSRecord(name: "BoB.OvErLaY.iNtErNaL.", type: 1, ttl: 5, data: "198.19.0.2", section: .answer)])
    }

    @Test func anyOnANodeIsItsARecord() throws {
        let answer = try read(DNSFixture.respond(DNSFixture.query("alice.overlay.internal", type: 255)))
        #expect(answer.records.map(\.data) == ["198.19.0.1"])
    }

    @Test func classANYIsAnsweredLikeIN() throws {
        let reply = DNSFixture.respond(DNSFixture.query("carol.overlay.internal", qclass: 255))
        #expect(reply.outcome == .answer)
        #expect(try read(reply).records.map(\.data) == ["198.19.1.7"])
    }

    @Test(arguments: [UInt16(28), 15, 16, 2, 33, 5])
    func otherTypesOnANodeAreNODATAWithTheSOA(type: UInt16) throws {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal", type: type))
        #expect(reply.outcome == .nodata)
        let answer = try read(reply)
        #expect(answer.rcode == 0 && answer.authoritative)
        #expect(answer.records == [DNSRecord(name: "overlay.internal.", type: 6, ttl: 5,
                                             data: "ns.overlay.internal. hostmaster.overlay.internal. 42 60 10 3600 5",
                                             section: .authority)])
    }

    @Test func anUnknownNameIsNXDOMAINWithTheSOA() throws {
        let reply = DNSFixture.respond(DNSFixture.query("dave.overlay.internal"))
        #expect(reply.outcome == .nxdomain)
        let answer = try read(reply)
        #expect(answer.rcodeName == "NXDOMAIN" && answer.authoritative)
        #expect(answer.records.map(\.type) == [6])
        #expect(answer.records.map(\.section) == [.authority])
        #expect(answer.records.first?.name == "overlay.internal.")
    }

    @Test(arguments: ["x.bob.overlay.internal", "a.b.c.overlay.internal", "bob.bob.overlay.internal"])
    func deeperNamesAreNXDOMAIN(name: String) throws {
        let reply = DNSFixture.respond(DNSFixture.query(name))
        #expect(reply.outcome == .nxdomain)
        #expect(try read(reply).rcode == 3)
    }

    @Test func theSOAOwnerPointsIntoTheQuestionKeepingItsCase() throws {
        let answer = try read(DNSFixture.respond(DNSFixture.query("nobody.OVERLAY.Internal")))
        #expect(answer.records.first?.name == "OVERLAY.Internal.")
    }

    @Test func theApexAnswersSOA() throws {
        let reply = DNSFixture.respond(DNSFixture.query("overlay.internal", type: 6))
        #expect(reply.outcome == .answer)
        let answer = try read(reply)
        #expect(answer.records == [DNSRecord(name: "overlay.internal.", type: 6, ttl: 5,
                                             data: "ns.overlay.internal. hostmaster.overlay.internal. 42 60 10 3600 5",
                                             section: .answer)])
    }

    @Test(arguments: [UInt16(1), 2, 28, 15])
    func otherTypesAtTheApexAreNODATA(type: UInt16) throws {
        let reply = DNSFixture.respond(DNSFixture.query("overlay.internal", type: type))
        #expect(reply.outcome == .nodata)
        #expect(try read(reply).records.map(\.section) == [.authority])
    }

    @Test(arguments: ["example.com", "internal", "overlay.internal.example.com", "xoverlay.internal", ".", "com"])
    func namesOutsideTheZonesAreREFUSEDWithoutAA(name: String) throws {
        let reply = DNSFixture.respond(DNSFixture.query(name))
        #expect(reply.outcome == .refused)
        let bytes = try #require(reply.bytes)
        let header = ResponseHeader(bytes)
        #expect(header.rcode == 5 && !header.aa && !header.ra && header.qr)
        #expect((header.qd, header.an, header.ns) == (1, 0, 0))
    }

    @Test func theSerialAndTTLsComeFromTheZone() throws {
        let zone = try DNSZone(domain: "corp.internal", network: DNSFixture.network,
                               nodes: ["web": IPv4Address("198.19.3.4")!], serial: 7, ttl: 30, negativeTTL: 11)
        let a = try read(DNSFixture.respond(DNSFixture.query("web.corp.internal"), zone: zone))
        #expect(a.records.map(\.ttl) == [30])
        let nx = try read(DNSFixture.respond(DNSFixture.query("x.corp.internal"), zone: zone))
        #expect(nx.records.map(\.ttl) == [11])
        #expect(nx.records.first?.data == "ns.corp.internal. hostmaster.corp.internal. 7 60 10 3600 11")
    }

    @Test func withoutAZoneWellFormedQueriesAreSERVFAIL() throws {
        let reply = DNSFixture.respond(DNSFixture.query("bob.overlay.internal"), zone: nil)
        #expect(reply.outcome == .servfail)
        let header = ResponseHeader(try #require(reply.bytes))
        #expect(header.rcode == 2 && !header.aa && header.qd == 1)
    }

    @Test func aZoneWithNoNodesStillAnswersItsApex() throws {
        let empty = DNSFixture.zone(nodes: [:])
        #expect(DNSFixture.respond(DNSFixture.query("overlay.internal", type: 6), zone: empty).outcome == .answer)
        #expect(DNSFixture.respond(DNSFixture.query("bob.overlay.internal"), zone: empty).outcome == .nxdomain)
    }

    @Test func manyNodesAreAllFound() throws {
        var nodes: [String: String] = [:]
        for i in 0..<500 { nodes["n\(i)"] = "198.19.\(i / 200).\(i % 200 + 1)" }
        let zone = DNSFixture.zone(nodes: nodes)
        for (name, address) in nodes {
            let answer = try read(DNSFixture.respond(DNSFixture.query(name.uppercased() + ".overlay.internal"), zone: zone))
            #expect(answer.records.map(\.data) == [address])
        }
        #expect(DNSFixture.respond(DNSFixture.query("n500.overlay.internal"), zone: zone).outcome == .nxdomain)
        #expect(DNSFixture.respond(DNSFixture.query("n.overlay.internal"), zone: zone).outcome == .nxdomain)
        #expect(DNSFixture.respond(DNSFixture.query("n10x.overlay.internal"), zone: zone).outcome == .nxdomain)
    }
}
