import OverlayCore

/// Reverse names (RFC 1035 3.5): an address's octets backwards under in-addr.arpa.
/// The zone's reverse apex is cut at an octet boundary, since in-addr.arpa labels are
/// whole octets: a /16 owns `b.a.in-addr.arpa`, a /20 the /16 around it, a /12 the /8.
extension DNSZone {
    /// "2.0.19.198.in-addr.arpa" for 198.19.0.2.
    public static func reverseName(of address: IPv4Address) -> String {
        let v = address.value
        return "\(v & 0xff).\((v >> 8) & 0xff).\((v >> 16) & 0xff).\(v >> 24).in-addr.arpa"
    }

    /// "19.198.in-addr.arpa" for 198.19.0.0/16 (and for 198.19.16.0/20).
    public static func reverseApex(of network: IPv4Network) -> String {
        let octets = reverseApexOctets(of: network)
        let v = network.base.value
        var labels: [String] = []
        for i in 0..<octets { labels.append(String((v >> (24 - 8 * UInt32(i))) & 0xff)) }
        return (labels.reversed() + ["in-addr", "arpa"]).joined(separator: ".")
    }

    /// How many leading octets the reverse apex fixes: 1 for /8–/15, 2 for /16–/23, 3 for /24–/30.
    static func reverseApexOctets(of network: IPv4Network) -> Int {
        min(3, max(1, network.prefix / 8))
    }
}
