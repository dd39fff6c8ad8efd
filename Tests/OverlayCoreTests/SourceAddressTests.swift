import NIOCore
import OverlayCore
import Testing

/// What counts as one source for the per-source limits.
@Suite struct SourceAddressTests {
    @Test("IPv4 sources are whole addresses")
    func ipv4() throws {
        let a = try #require(SourceAddress(try SocketAddress(ipAddress: "198.18.0.7", port: 1234)))
        let b = try #require(SourceAddress(try SocketAddress(ipAddress: "198.18.0.7", port: 4321)))
        let c = try #require(SourceAddress(try SocketAddress(ipAddress: "198.18.0.8", port: 1234)))
        #expect(a == b, "the port does not matter")
        #expect(a != c)
        #expect(a.description == "198.18.0.7")
    }

    @Test("IPv6 sources are /64 prefixes: a host's many addresses count as one")
    func ipv6() throws {
        let a = try #require(SourceAddress(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1)))
        let b = try #require(SourceAddress(try SocketAddress(ipAddress: "2001:db8:1:2:ffff:1:2:3", port: 1)))
        let c = try #require(SourceAddress(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1)))
        #expect(a == b)
        #expect(a != c)
        #expect(a.description == "2001:db8:1:2::/64")
    }

    @Test("an IPv4-mapped IPv6 address (a listener on ::) is the IPv4 address")
    func mapped() throws {
        let mapped = try #require(SourceAddress(try SocketAddress(ipAddress: "::ffff:198.18.0.7", port: 1)))
        #expect(mapped == SourceAddress(IPv4Address("198.18.0.7")!))
        #expect(mapped.description == "198.18.0.7")
    }

    @Test("a Unix socket peer has no source to count")
    func unix() throws {
        #expect(SourceAddress(try SocketAddress(unixDomainSocketPath: "/tmp/x.sock")) == nil)
        #expect(SourceAddress(nil) == nil)
    }
}
