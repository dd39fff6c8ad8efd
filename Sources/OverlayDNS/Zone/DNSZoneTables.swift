import OverlayCore

/// The zone in the shapes the responder compares against: lowercase wire names, node
/// labels sorted by their bytes for a binary search on the query's own bytes, PTR
/// targets by address, and the SOA's RDATA ready to append.
struct DNSZoneTables: Sendable {
    /// "\u{7}overlay\u{8}internal\u{0}".
    let domainWire: [UInt8]
    /// "\u{2}19\u{3}198\u{7}in-addr\u{4}arpa\u{0}".
    let reverseWire: [UInt8]
    /// Labels between a host's reverse name and the reverse apex (4 minus the apex's octets).
    let reverseHostLabels: Int
    /// The apex's fixed octets as an address prefix, and the network.
    let reverseBase: UInt32
    let networkBase: UInt32
    let networkMask: UInt32
    /// Node labels in byte order, and their addresses at the same index.
    let labels: [[UInt8]]
    let addresses: [UInt32]
    /// Wire form of `NAME.DOMAIN.` for each address inside the network held by a node.
    let pointers: [UInt32: [UInt8]]
    /// Node label for each address in `pointers`.
    let names: [UInt32: String]
    /// MNAME ns.DOMAIN., RNAME hostmaster.DOMAIN., serial, refresh, retry, expire, minimum.
    let soaData: [UInt8]

    static let soaRefresh: UInt32 = 60
    static let soaRetry: UInt32 = 10
    static let soaExpire: UInt32 = 3600

    /// `domain` and `nodes` are already validated and lowercase.
    init(domain: String, network: IPv4Network, nodes: [String: IPv4Address], serial: UInt32, negativeTTL: UInt32) {
        domainWire = DNSZoneTables.wire(domain)
        reverseWire = DNSZoneTables.wire(DNSZone.reverseApex(of: network))
        let octets = DNSZone.reverseApexOctets(of: network)
        reverseHostLabels = 4 - octets
        reverseBase = network.base.value & (~UInt32(0) << (32 - 8 * UInt32(octets)))
        networkBase = network.base.value
        networkMask = network.mask

        let sorted = nodes.map { (label: Array($0.key.utf8), address: $0.value.value) }
            .sorted { $0.label.lexicographicallyPrecedes($1.label) }
        labels = sorted.map(\.label)
        addresses = sorted.map(\.address)

        var pointers: [UInt32: [UInt8]] = [:]
        var names: [UInt32: String] = [:]
        // Sorted by label, so when two nodes share an address the first name wins every time.
        for (label, address) in sorted where address & network.mask == network.base.value && pointers[address] == nil {
            var target: [UInt8] = [UInt8(label.count)]
            target.append(contentsOf: label)
            target.append(contentsOf: domainWire)
            pointers[address] = target
            names[address] = String(decoding: label, as: UTF8.self)
        }
        self.pointers = pointers
        self.names = names

        var soa = DNSZoneTables.wire("ns." + domain)
        soa.append(contentsOf: DNSZoneTables.wire("hostmaster." + domain))
        for value in [serial, DNSZoneTables.soaRefresh, DNSZoneTables.soaRetry, DNSZoneTables.soaExpire, negativeTTL] {
            DNSBytes.append(value, to: &soa)
        }
        soaData = soa
    }

    /// Wire form of a validated lowercase name (labels already checked).
    private static func wire(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            out.append(UInt8(truncatingIfNeeded: label.utf8.count))
            out.append(contentsOf: label.utf8)
        }
        out.append(0)
        return out
    }
}
