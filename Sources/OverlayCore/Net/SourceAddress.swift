import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Who a per-source limit counts as one client: an IPv4 address, or an IPv6
/// /64. A single IPv6 host is usually handed a whole /64, so counting its
/// addresses one by one would give it 2^64 budgets; IPv4-mapped IPv6
/// addresses (a listener on `::`) count as the IPv4 address they carry.
public struct SourceAddress: Hashable, Sendable, CustomStringConvertible {
    private enum Key: Hashable, Sendable {
        case v4(UInt32)
        case v6(prefix: UInt64)
    }

    private let key: Key

    public init(_ address: IPv4Address) { key = .v4(address.value) }

    /// The source of a TCP peer; nil for a Unix socket peer (no address to count).
    public init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let a)?:
            self.init(IPv4Address(UInt32(bigEndian: a.address.sin_addr.s_addr)))
        case .v6(let a)?:
            let bytes = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
            self.init(ipv6: bytes)
        default:
            return nil
        }
    }

    /// `bytes`: the 16 bytes of an IPv6 address, network order.
    public init(ipv6 bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        if mapped {
            key = .v4(bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        } else {
            key = .v6(prefix: high)
        }
    }

    public var description: String {
        switch key {
        case .v4(let v): return IPv4Address(v).description
        case .v6(let prefix):
            let groups = (0..<4).map { String((prefix >> (48 - 16 * $0)) & 0xffff, radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        }
    }
}
