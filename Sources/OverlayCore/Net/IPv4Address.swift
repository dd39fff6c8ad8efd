/// An IPv4 address as a number, for range arithmetic in the overlay network.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), let o = UInt8(p), String(o) == p else { return nil }
            v = v << 8 | UInt32(o)
        }
        value = v
    }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// The overlay range, e.g. `100.64.0.0/16`: nodes get host addresses from it,
/// never the network or broadcast address.
public struct IPv4Network: Sendable, Hashable, CustomStringConvertible {
    public var base: IPv4Address
    public var prefix: Int

    public init(parsing text: String) throws(ConfigError) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let addr = IPv4Address(String(parts[0])), let prefix = Int(parts[1]),
              (8...30).contains(prefix) else { throw .invalidCIDR(text) }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        guard addr.value & mask == addr.value else { throw .invalidCIDR(text) }
        self.base = addr
        self.prefix = prefix
    }

    public var mask: UInt32 { ~UInt32(0) << (32 - prefix) }
    public var firstHost: IPv4Address { IPv4Address(base.value + 1) }
    public var lastHost: IPv4Address { IPv4Address((base.value | ~mask) - 1) }

    /// Usable for a node: inside the range, not the network or broadcast address.
    public func containsHost(_ address: IPv4Address) -> Bool {
        address.value & mask == base.value && address >= firstHost && address <= lastHost
    }

    public var description: String { "\(base)/\(prefix)" }
}
