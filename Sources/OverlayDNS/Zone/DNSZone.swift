import OverlayCore

/// One roster's worth of names, frozen: the resolver answers every query from a single
/// snapshot, and a roster change builds a new one. Everything a query needs is worked
/// out here once (wire forms, the SOA, sorted node labels), so answering allocates only
/// the response.
public struct DNSZone: Sendable, Equatable {
    /// 5 seconds: a node that leaves or changes address is forgotten by caches almost at once.
    public static let defaultTTL: UInt32 = 5

    /// Lowercase, no trailing dot: "overlay.internal".
    public let domain: String
    /// The in-addr.arpa zone at the octet boundary enclosing the network: "19.198.in-addr.arpa".
    public let reverseApex: String
    public let network: IPv4Network
    /// Node names (lowercase single labels) and their addresses.
    public let nodes: [String: IPv4Address]
    public let serial: UInt32
    public let ttl: UInt32
    public let negativeTTL: UInt32
    let tables: DNSZoneTables

    /// Throws when the domain is not a valid DNS domain, or a node name cannot be the
    /// first label under it. Names differing only in case are one name and refused.
    public init(domain: String, network: IPv4Network, nodes: [String: IPv4Address], serial: UInt32,
                ttl: UInt32 = DNSZone.defaultTTL, negativeTTL: UInt32 = DNSZone.defaultTTL) throws(DNSNameError) {
        let domain = try DNSZone.canonicalDomain(domain)
        var lowered: [String: IPv4Address] = [:]
        for (name, address) in nodes {
            let label = name.lowercased()
            try DNSZone.validateNodeName(name)
            guard lowered.updateValue(address, forKey: label) == nil else {
                throw .invalidNodeName(name, reason: "another node has the same name in a different case")
            }
        }
        self.domain = domain
        self.reverseApex = DNSZone.reverseApex(of: network)
        self.network = network
        self.nodes = lowered
        self.serial = serial
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.tables = DNSZoneTables(domain: domain, network: network, nodes: lowered, serial: serial, negativeTTL: negativeTTL)
    }

    /// "bob" or "bob.overlay.internal" (a trailing dot and any case allowed) → bob's address.
    public func address(of name: String) -> IPv4Address? {
        var label = Substring(name.lowercased())
        if label.hasSuffix(".") { label = label.dropLast() }
        if label.hasSuffix("." + domain) { label = label.dropLast(domain.utf8.count + 1) }
        return nodes[String(label)]
    }

    /// The node's full name, "bob.overlay.internal"; nil when no node inside the network
    /// has the address.
    public func name(of address: IPv4Address) -> String? {
        tables.names[address.value].map { $0 + "." + domain }
    }

    public static func == (a: DNSZone, b: DNSZone) -> Bool {
        a.domain == b.domain && a.network == b.network && a.nodes == b.nodes && a.serial == b.serial
            && a.ttl == b.ttl && a.negativeTTL == b.negativeTTL
    }
}
