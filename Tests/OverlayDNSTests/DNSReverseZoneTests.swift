@testable import OverlayDNS
import OverlayCore
import Testing

@Suite struct DNSReverseZoneTests {
    func read(_ reply: DNSReply) throws -> DNSAnswer {
        try DNSAnswerReader.read(try #require(reply.bytes), expectingID: 0x1234)
    }

    @Test func aNodesAddressHasAPTRToItsName() throws {
        let reply = DNSFixture.respond(DNSFixture.query("2.0.19.198.IN-ADDR.arpa", type: 12))
        #expect(reply.outcome == .answer)
        let answer = try read(reply)
        #expect(answer.authoritative)
        #expect(answer.records == [DNSRecord(name: "2.0.19.198.IN-ADDR.arpa.", type: 12, ttl: 5,
                                             data: "bob.overlay.internal.", section: .answer)])
    }

    @Test func forwardAndReverseAgree() throws {
        let zone = DNSFixture.zone()
        for name in ["alice", "bob", "carol"] {
            let address = try #require(zone.address(of: name))
            let reverse = DNSZone.reverseName(of: address)
            let ptr = try read(DNSFixture.respond(DNSFixture.query(reverse, type: 12), zone: zone))
            #expect(ptr.records.map(\.data) == ["\(name).overlay.internal."])
            let a = try read(DNSFixture.respond(DNSFixture.query("\(name).overlay.internal"), zone: zone))
            #expect(a.records.map(\.data) == [address.description])
        }
    }

    @Test func otherTypesOnAHostAreNODATA() throws {
        let reply = DNSFixture.respond(DNSFixture.query("1.0.19.198.in-addr.arpa", type: 1))
        #expect(reply.outcome == .nodata)
        #expect(try read(reply).records.map(\.name) == ["19.198.in-addr.arpa."])
    }

    @Test(arguments: ["99.0.19.198.in-addr.arpa", "0.19.198.in-addr.arpa", "x.2.0.19.198.in-addr.arpa",
                      "02.0.19.198.in-addr.arpa", "256.0.19.198.in-addr.arpa", "a.0.19.198.in-addr.arpa",
                      "2.00.19.198.in-addr.arpa", "1234.0.19.198.in-addr.arpa"])
    func missingReverseNamesAreNXDOMAINWithTheReverseSOA(name: String) throws {
        let reply = DNSFixture.respond(DNSFixture.query(name, type: 12))
        #expect(reply.outcome == .nxdomain)
        let answer = try read(reply)
        #expect(answer.records.count == 1)
        #expect(answer.records.first?.name == "19.198.in-addr.arpa.")
        #expect(answer.records.first?.section == .authority)
    }

    @Test func theReverseApexAnswersSOAAndNODATA() throws {
        let soa = DNSFixture.respond(DNSFixture.query("19.198.in-addr.arpa", type: 6))
        #expect(soa.outcome == .answer)
        #expect(try read(soa).records.first?.data == "ns.overlay.internal. hostmaster.overlay.internal. 42 60 10 3600 5")
        #expect(DNSFixture.respond(DNSFixture.query("19.198.in-addr.arpa", type: 2)).outcome == .nodata)
    }

    @Test(arguments: ["1.0.0.10.in-addr.arpa", "2.0.20.198.in-addr.arpa", "198.in-addr.arpa", "in-addr.arpa", "arpa"])
    func reverseNamesOutsideTheApexAreREFUSED(name: String) throws {
        let reply = DNSFixture.respond(DNSFixture.query(name, type: 12))
        #expect(reply.outcome == .refused)
        #expect(!ResponseHeader(try #require(reply.bytes)).aa)
    }

    @Test func aNetworkNarrowerThanItsApexAnswersOnlyItsOwnAddresses() throws {
        let network = try IPv4Network(parsing: "198.19.16.0/20")
        let zone = DNSFixture.zone(network: network, nodes: ["edge": "198.19.17.9"])
        #expect(zone.reverseApex == "19.198.in-addr.arpa")
        let ptr = DNSFixture.respond(DNSFixture.query("9.17.19.198.in-addr.arpa", type: 12), zone: zone)
        #expect(try read(ptr).records.map(\.data) == ["edge.overlay.internal."])
        // Inside the /16 apex but outside the /20.
        #expect(DNSFixture.respond(DNSFixture.query("9.1.19.198.in-addr.arpa", type: 12), zone: zone).outcome == .nxdomain)
    }

    @Test func aSlash8ApexTakesThreeHostLabels() throws {
        let network = try IPv4Network(parsing: "10.0.0.0/8")
        let zone = DNSFixture.zone(network: network, nodes: ["far": "10.200.3.4"])
        #expect(zone.reverseApex == "10.in-addr.arpa")
        let ptr = DNSFixture.respond(DNSFixture.query("4.3.200.10.in-addr.arpa", type: 12), zone: zone)
        #expect(try read(ptr).records.map(\.data) == ["far.overlay.internal."])
        #expect(DNSFixture.respond(DNSFixture.query("3.200.10.in-addr.arpa", type: 12), zone: zone).outcome == .nxdomain)
    }

    @Test func aSlash24ApexTakesOneHostLabel() throws {
        let network = try IPv4Network(parsing: "100.64.7.0/24")
        let zone = DNSFixture.zone(network: network, nodes: ["one": "100.64.7.1"])
        #expect(zone.reverseApex == "7.64.100.in-addr.arpa")
        let ptr = DNSFixture.respond(DNSFixture.query("1.7.64.100.in-addr.arpa", type: 255), zone: zone)
        #expect(try read(ptr).records.map(\.data) == ["one.overlay.internal."])
    }

    @Test func twoNodesOnOneAddressGiveTheFirstNameByOrder() throws {
        let zone = DNSFixture.zone(nodes: ["zed": "198.19.0.5", "amy": "198.19.0.5"])
        #expect(zone.name(of: IPv4Address("198.19.0.5")!) == "amy.overlay.internal")
        let ptr = DNSFixture.respond(DNSFixture.query("5.0.19.198.in-addr.arpa", type: 12), zone: zone)
        #expect(try read(ptr).records.map(\.data) == ["amy.overlay.internal."])
    }
}
