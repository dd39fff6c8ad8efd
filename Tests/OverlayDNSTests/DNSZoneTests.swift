@testable import OverlayDNS
import OverlayCore
import Testing

@Suite struct DNSZoneTests {
    @Test(arguments: ["overlay.internal", "Overlay.Internal.", "a", "x-1.example", "corp.example.com", "a1.b2.c3"])
    func validDomains(domain: String) throws {
        try DNSZone.validateDomain(domain)
    }

    @Test(arguments: [
        ("", "empty"), (".", "empty"), ("overlay..internal", "empty label"), (".overlay", "empty label"),
        ("-a.internal", "starts or ends"), ("a-.internal", "starts or ends"), ("under_score.internal", "other than"),
        ("sp ace.internal", "other than"), ("bücher.internal", "other than"), ("overlay.123", "all digits"),
        ("10.0.0.1", "all digits"), ("19.198.in-addr.arpa", ".arpa"), ("arpa", ".arpa"),
        (String(repeating: "a", count: 64) + ".internal", "64 characters"),
    ])
    func invalidDomains(domain: String, problem: String) {
        #expect {
            try DNSZone.validateDomain(domain)
        } throws: { error in
            guard let error = error as? DNSNameError, case .invalidDomain(let name, let reason) = error else { return false }
            return name == domain && reason.contains(problem) && error.description.contains("'\(domain)'")
        }
    }

    @Test func theDomainMustLeaveRoomForTheLongestNodeName() throws {
        let label = String(repeating: "a", count: 60)
        let fits = [label, label, label, String(repeating: "b", count: NetworkDomain.maxLength - 183)].joined(separator: ".")
        #expect(fits.utf8.count == NetworkDomain.maxLength && NetworkDomain.maxLength == 189)
        try DNSZone.validateDomain(fits)
        #expect(throws: DNSNameError.self) { try DNSZone.validateDomain(fits + "b") }
        // The controller's check is the same one: what the zone refuses, the controller refuses.
        #expect(try NetworkDomain.canonical(fits.uppercased() + ".") == fits)
        #expect(throws: ConfigError.self) { try NetworkDomain.canonical(fits + "b") }
        let longest = String(repeating: "n", count: 63)
        let zone = try DNSZone(domain: fits, network: DNSFixture.network, nodes: [longest: IPv4Address("198.19.0.1")!], serial: 1)
        #expect(zone.address(of: "\(longest).\(fits)") == IPv4Address("198.19.0.1"))
    }

    @Test func theDomainIsKeptLowercaseWithoutTheDot() throws {
        let zone = try DNSZone(domain: "Overlay.INTERNAL.", network: DNSFixture.network, nodes: [:], serial: 1)
        #expect(zone.domain == "overlay.internal")
        #expect(zone.ttl == DNSZone.defaultTTL && zone.negativeTTL == 5 && DNSZone.defaultTTL == 5)
    }

    @Test(arguments: ["bad_name", "a.b", "", "-x", String(repeating: "n", count: 64)])
    func nodeNamesThatAreNotLabelsAreRefused(name: String) {
        #expect {
            try DNSZone(domain: "overlay.internal", network: DNSFixture.network, nodes: [name: IPv4Address("198.19.0.9")!], serial: 1)
        } throws: { error in
            guard case .invalidNodeName(let n, _) = error as? DNSNameError else { return false }
            return n == name
        }
    }

    @Test func nodeNamesDifferingOnlyInCaseAreRefused() {
        #expect(throws: DNSNameError.self) {
            try DNSZone(domain: "overlay.internal", network: DNSFixture.network,
                        nodes: ["Bob": IPv4Address("198.19.0.9")!, "bob": IPv4Address("198.19.0.10")!], serial: 1)
        }
    }

    @Test func aNodeNameLongerThanOneLabelIsRefused() {
        #expect {
            try DNSZone(domain: "overlay.internal", network: DNSFixture.network,
                        nodes: [String(repeating: "n", count: 64): IPv4Address("198.19.0.9")!], serial: 1)
        } throws: { error in
            guard let error = error as? DNSNameError, case .invalidNodeName(_, let reason) = error else { return false }
            return reason.contains("64 characters long")
        }
    }

    @Test func addressOfTakesShortAndFullNamesInAnyCase() {
        let zone = DNSFixture.zone()
        for name in ["bob", "BOB", "bob.overlay.internal", "Bob.Overlay.Internal.", "bob."] {
            #expect(zone.address(of: name) == IPv4Address("198.19.0.2"), "\(name)")
        }
        for name in ["dave", "overlay.internal", "bob.example.com", "", "x.bob.overlay.internal"] {
            #expect(zone.address(of: name) == nil, "\(name)")
        }
    }

    @Test func nameOfGivesTheFullName() {
        let zone = DNSFixture.zone()
        #expect(zone.name(of: IPv4Address("198.19.1.7")!) == "carol.overlay.internal")
        #expect(zone.name(of: IPv4Address("198.19.9.9")!) == nil)
    }

    @Test func aNodeOutsideTheNetworkHasANameButNoPTR() throws {
        let zone = DNSFixture.zone(nodes: ["stray": "10.1.2.3"])
        #expect(zone.address(of: "stray") == IPv4Address("10.1.2.3"))
        #expect(zone.name(of: IPv4Address("10.1.2.3")!) == nil)
        #expect(DNSFixture.respond(DNSFixture.query("stray.overlay.internal"), zone: zone).outcome == .answer)
    }

    @Test(arguments: [("198.19.0.0/16", "19.198.in-addr.arpa"), ("198.19.16.0/20", "19.198.in-addr.arpa"),
                      ("100.64.0.0/10", "100.in-addr.arpa"), ("10.0.0.0/8", "10.in-addr.arpa"),
                      ("172.16.0.0/12", "172.in-addr.arpa"), ("192.168.5.0/24", "5.168.192.in-addr.arpa"),
                      ("192.168.5.4/30", "5.168.192.in-addr.arpa"), ("10.20.0.0/15", "10.in-addr.arpa")])
    func reverseApexes(cidr: String, apex: String) throws {
        let network = try IPv4Network(parsing: cidr)
        #expect(DNSZone.reverseApex(of: network) == apex)
        #expect(try DNSZone(domain: "o.internal", network: network, nodes: [:], serial: 1).reverseApex == apex)
    }

    @Test func reverseNames() {
        #expect(DNSZone.reverseName(of: IPv4Address("198.19.0.2")!) == "2.0.19.198.in-addr.arpa")
        #expect(DNSZone.reverseName(of: IPv4Address("10.255.0.1")!) == "1.0.255.10.in-addr.arpa")
    }

    @Test func zonesAreEqualWhenTheirContentsAre() throws {
        #expect(DNSFixture.zone() == DNSFixture.zone())
        #expect(DNSFixture.zone() != DNSFixture.zone(serial: 43))
        #expect(DNSFixture.zone() != DNSFixture.zone(nodes: ["bob": "198.19.0.2"]))
        #expect(DNSFixture.zone() != DNSFixture.zone(domain: "other.internal"))
    }

    @Test func nameErrorsSayWhatToDo() {
        #expect(DNSNameError.invalidDomain("x..y", reason: "it has an empty label").description.contains("e.g. overlay.internal"))
        #expect(DNSNameError.invalidNodeName("a_b", reason: "r").description.contains("node name 'a_b'"))
    }
}
