@testable import OverlayDNS
import OverlayCore

/// Zones, hand-built queries and response accessors shared by the DNS tests.
enum DNSFixture {
    static let network = try! IPv4Network(parsing: "198.19.0.0/16")

    static func zone(domain: String = "overlay.internal", network: IPv4Network = DNSFixture.network,
                     nodes: [String: String] = ["alice": "198.19.0.1", "bob": "198.19.0.2", "carol": "198.19.1.7"],
                     serial: UInt32 = 42) -> DNSZone {
        try! DNSZone(domain: domain, network: network, nodes: nodes.mapValues { IPv4Address($0)! }, serial: serial)
    }

    /// Uncompressed wire form of a dotted name (no validation: tests build odd names on purpose).
    static func wire(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out.append(contentsOf: label.utf8)
        }
        out.append(0)
        return out
    }

    static func opt(size: UInt16 = 1232, version: UInt8 = 0, dnssecOK: Bool = false, options: [UInt8] = []) -> [UInt8] {
        [0, 0, 41, UInt8(size >> 8), UInt8(size & 0xff), 0, version, dnssecOK ? 0x80 : 0, 0,
         UInt8(options.count >> 8), UInt8(options.count & 0xff)] + options
    }

    static func header(id: UInt16 = 0x1234, flags: UInt16 = 0x0100, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0,
                       ar: UInt16 = 0) -> [UInt8] {
        [id, flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    /// A query with the name written as given (any case), type and class, and an optional OPT record.
    static func query(_ name: String, type: UInt16 = 1, qclass: UInt16 = 1, id: UInt16 = 0x1234, flags: UInt16 = 0x0100,
                      edns: [UInt8]? = nil) -> [UInt8] {
        header(id: id, flags: flags, ar: edns == nil ? 0 : 1) + wire(name)
            + [UInt8(type >> 8), UInt8(type & 0xff), UInt8(qclass >> 8), UInt8(qclass & 0xff)] + (edns ?? [])
    }

    static func respond(_ bytes: [UInt8], zone: DNSZone? = DNSFixture.zone(), transport: DNSTransport = .udp) -> DNSReply {
        DNSResponder.respond(to: bytes, zone: zone, transport: transport)
    }
}

/// The header fields of a response, read directly so tests check the bits themselves.
struct ResponseHeader: Equatable {
    var id: UInt16, flags: UInt16, qd: UInt16, an: UInt16, ns: UInt16, ar: UInt16

    init(_ bytes: [UInt8]) {
        func u16(_ i: Int) -> UInt16 { UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) }
        id = u16(0); flags = u16(2); qd = u16(4); an = u16(6); ns = u16(8); ar = u16(10)
    }

    var qr: Bool { flags & 0x8000 != 0 }
    var opcode: UInt16 { (flags >> 11) & 0xf }
    var aa: Bool { flags & 0x0400 != 0 }
    var tc: Bool { flags & 0x0200 != 0 }
    var rd: Bool { flags & 0x0100 != 0 }
    var ra: Bool { flags & 0x0080 != 0 }
    var rcode: UInt16 { flags & 0xf }
}

/// SplitMix64: a tiny deterministic generator so the random-input test is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
