import CSystemd
import Glibc
import OverlayCore
import Synchronization

/// Points systemd-resolved at the node's DNS server for the overlay's names only: the server is set
/// on the node's own interface, the zone's domain and reverse apex are that link's routing domains,
/// and the link is never the default route, so every other name keeps going where it went before.
///
/// Talks to resolve1 over the system bus (sd-bus, blocking calls); resolved forgets per-link
/// settings when the interface goes away, and `remove()` reverts them when the node stops first.
public final class ResolvedWiring: HostNameWiring {
    public var kind: String { "resolved" }

    public let interface: String
    public let server: IPv4Address
    public let port: UInt16
    /// Whether the domain is also a search domain, so `ssh bob` finds `bob.DOMAIN`.
    public let search: Bool
    /// The bus to talk to; nil is the system bus. Another address is for tests with a private bus.
    public let busAddress: String?

    static let service = "org.freedesktop.resolve1"
    static let objectPath = "/org/freedesktop/resolve1"
    static let manager = "org.freedesktop.resolve1.Manager"

    /// What the link was last set to, so an unchanged zone costs no bus call.
    private struct Applied: Equatable {
        var ifindex: Int32
        var domain: String
        var reverseApex: String
    }

    private struct State {
        var applied: Applied?
        /// The link any call went to since the last revert, even one that failed part-way.
        var touched: Int32?
    }

    private let state = Mutex(State())

    public init(interface: String, server: IPv4Address, port: UInt16, search: Bool, busAddress: String? = nil) {
        self.interface = interface
        self.server = server
        self.port = port
        self.search = search
        self.busAddress = busAddress
    }

    public func apply(zone: DNSZone) throws(HostDNSError) {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw .noSuchInterface(interface, errno: errno) }
        let wanted = Applied(ifindex: Int32(bitPattern: index), domain: zone.domain, reverseApex: zone.reverseApex)
        try state.withLock { (state: inout State) throws(HostDNSError) in
            guard state.applied != wanted else { return }
            let bus = try BusConnection(address: busAddress)
            state.applied = nil
            state.touched = wanted.ifindex
            try setServer(on: bus, link: wanted.ifindex)
            try call("SetLinkDomains", on: bus) { w in
                w.int32(wanted.ifindex)
                w.container("a", "(sb)") { w in
                    w.container("r", "sb") { w in w.string(wanted.domain); w.bool(!self.search) }
                    w.container("r", "sb") { w in w.string(wanted.reverseApex); w.bool(true) }
                }
            }
            do throws(HostDNSError) {
                try call("SetLinkDefaultRoute", on: bus) { w in w.int32(wanted.ifindex); w.bool(false) }
            } catch .resolvedCallFailed(_, _, _, let name?, _) where name == "org.freedesktop.DBus.Error.UnknownMethod" {
                // Before systemd 240 there is no such call; a link with only routing domains is not
                // used for other names there anyway.
            }
            state.applied = wanted
        }
    }

    public func remove() throws(HostDNSError) {
        try state.withLock { (state: inout State) throws(HostDNSError) in
            guard let link = state.touched else { return }
            let bus = try BusConnection(address: busAddress)
            do throws(HostDNSError) {
                try call("RevertLink", on: bus) { w in w.int32(link) }
            } catch .resolvedCallFailed(_, _, _, let name?, _) where Self.nothingToRevert.contains(name) {
                // The link or resolved itself is gone, and with it everything set on it.
            }
            state = State()
        }
    }

    /// Errors from RevertLink that mean there is nothing left to undo.
    static let nothingToRevert: Set = ["org.freedesktop.resolve1.NoSuchLink", "org.freedesktop.DBus.Error.ServiceUnknown",
                                       "org.freedesktop.DBus.Error.NameHasNoOwner"]

    /// SetLinkDNS, or SetLinkDNSEx when the server is not on port 53 (plain SetLinkDNS has no port).
    private func setServer(on bus: BusConnection, link: Int32) throws(HostDNSError) {
        let v = server.value
        let address: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        if port == 53 {
            try call("SetLinkDNS", on: bus) { w in
                w.int32(link)
                w.container("a", "(iay)") { w in
                    w.container("r", "iay") { w in w.int32(AF_INET); w.bytes(address) }
                }
            }
        } else {
            try call("SetLinkDNSEx", on: bus) { w in
                w.int32(link)
                w.container("a", "(iayqs)") { w in
                    w.container("r", "iayqs") { w in w.int32(AF_INET); w.bytes(address); w.uint16(self.port); w.string("") }
                }
            }
        }
    }

    private func call(_ member: String, on bus: BusConnection, write: (inout BusMessageWriter) -> Void) throws(HostDNSError) {
        do {
            _ = try bus.call(destination: Self.service, path: Self.objectPath, interface: Self.manager, member: member,
                             write: write) as Void?
        } catch {
            if error.name == nil || error.name?.hasPrefix("System.Error.") == true,
               [ENOENT, ECONNREFUSED, ECONNRESET, ENOTCONN, EPIPE].contains(error.errno) {
                throw .busUnreachable(bus: bus.address, errno: error.errno)
            }
            throw .resolvedCallFailed(call: "\(Self.manager).\(member)", interface: interface, bus: bus.address,
                                      errorName: error.name, message: error.message)
        }
    }

    /// Whether the bus is reachable and something owns `org.freedesktop.resolve1` on it; false on any
    /// failure. `busAddress` nil is the system bus.
    public static func isResolvedRunning(busAddress: String? = nil) -> Bool {
        guard let bus = try? BusConnection(address: busAddress) else { return false }
        let owned = try? bus.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                  interface: "org.freedesktop.DBus", member: "NameHasOwner",
                                  write: { $0.string(service) },
                                  read: { reply -> Bool? in
                                      var value: Int32 = 0
                                      guard sd_bus_message_read_basic(reply, BusMessageWriter.type("b"), &value) > 0 else { return nil }
                                      return value != 0
                                  })
        return owned.flatMap { $0 } ?? false
    }
}
