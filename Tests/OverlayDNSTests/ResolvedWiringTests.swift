import Foundation
import OverlayCore
import OverlayDNS
import Testing

/// The resolved wiring without systemd: a dead bus address, a private dbus-daemon with nobody
/// owning resolve1, and one with `FakeResolve1` recording the exact calls and their arguments.
@Suite struct ResolvedWiringTests {
    static let deadBus = "unix:path=/nonexistent-overlayd-test/bus"
    static let server = IPv4Address("198.19.0.1")!
    static let lo = Int32(if_nametoindex("lo"))

    static func zone(domain: String = "overlay.internal", serial: UInt32 = 1) throws -> DNSZone {
        try DNSZone(domain: domain, network: IPv4Network(parsing: "198.19.0.0/16"),
                    nodes: ["alice": server, "bob": IPv4Address("198.19.0.2")!], serial: serial)
    }

    static func wiring(bus: String, port: UInt16 = 53, search: Bool = false, interface: String = "lo") -> ResolvedWiring {
        ResolvedWiring(interface: interface, server: server, port: port, search: search, busAddress: bus)
    }

    @Test func isNotRunningWhenTheBusIsUnreachable() {
        #expect(!ResolvedWiring.isResolvedRunning(busAddress: Self.deadBus))
    }

    @Test func applyOnAnUnreachableBusNamesTheBus() throws {
        let wiring = Self.wiring(bus: Self.deadBus)
        #expect(wiring.kind == "resolved")
        let error = try #require(throws: HostDNSError.self) { try wiring.apply(zone: Self.zone()) }
        #expect(error.description.contains(Self.deadBus), "\(error)")
        #expect(error.description.contains("systemd-resolved is unreachable"), "\(error)")
    }

    @Test func applyWithoutTheInterfaceNamesIt() throws {
        let error = try #require(throws: HostDNSError.self) {
            try Self.wiring(bus: Self.deadBus, interface: "ovlnotthere0").apply(zone: Self.zone())
        }
        #expect(error.description.contains("ovlnotthere0"), "\(error)")
    }

    @Test func removeBeforeAnyApplyNeedsNoBus() throws {
        let wiring = Self.wiring(bus: Self.deadBus)
        try wiring.remove()
        try wiring.remove()
    }

    @Test(.enabled(if: ResolvedTestBus.available, "dbus-daemon is not installed (apt-get install dbus)"))
    func aBusWithoutResolvedSaysSo() throws {
        let bus = try ResolvedTestBus()
        defer { bus.stop() }
        #expect(!ResolvedWiring.isResolvedRunning(busAddress: bus.address))
        let error = try #require(throws: HostDNSError.self) { try Self.wiring(bus: bus.address).apply(zone: Self.zone()) }
        #expect(error.description.contains("SetLinkDNS"), "\(error)")
        #expect(error.description.contains("systemd-resolved is not running"), "\(error)")
    }

    @Test(.enabled(if: ResolvedTestBus.available, "dbus-daemon is not installed (apt-get install dbus)"))
    func setsServerRoutingDomainsAndNoDefaultRouteOnce() throws {
        let bus = try ResolvedTestBus()
        defer { bus.stop() }
        let fake = try FakeResolve1(busAddress: bus.address)
        defer { fake.stop() }
        #expect(ResolvedWiring.isResolvedRunning(busAddress: bus.address))

        let wiring = Self.wiring(bus: bus.address)
        try wiring.apply(zone: Self.zone())
        let lo = Self.lo
        #expect(fake.calls == [
            "SetLinkDNS(\(lo), [(2, [198, 19, 0, 1])])",
            "SetLinkDomains(\(lo), [(\"overlay.internal\", true), (\"19.198.in-addr.arpa\", true)])",
            "SetLinkDefaultRoute(\(lo), false)",
        ])
        try wiring.apply(zone: Self.zone(serial: 2))
        #expect(fake.calls.count == 3, "the same domain and apex: no call")

        try wiring.apply(zone: Self.zone(domain: "corp.example"))
        #expect(fake.calls.count == 6)
        #expect(fake.calls.last == "SetLinkDefaultRoute(\(lo), false)")

        try wiring.remove()
        #expect(fake.calls.last == "RevertLink(\(lo))")
        try wiring.remove()
        #expect(fake.calls.count == 7, "a second remove has nothing to undo")
    }

    @Test(.enabled(if: ResolvedTestBus.available, "dbus-daemon is not installed (apt-get install dbus)"))
    func searchAndAnotherPortChangeTheCalls() throws {
        let bus = try ResolvedTestBus()
        defer { bus.stop() }
        let fake = try FakeResolve1(busAddress: bus.address)
        defer { fake.stop() }
        try Self.wiring(bus: bus.address, port: 5353, search: true).apply(zone: Self.zone())
        let lo = Self.lo
        #expect(fake.calls.prefix(2) == [
            "SetLinkDNSEx(\(lo), [(2, [198, 19, 0, 1], 5353, \"\")])",
            "SetLinkDomains(\(lo), [(\"overlay.internal\", false), (\"19.198.in-addr.arpa\", true)])",
        ])
    }

    @Test(.enabled(if: ResolvedTestBus.available, "dbus-daemon is not installed (apt-get install dbus)"))
    func aRefusedCallSaysWhatToDoAndRemoveStillReverts() throws {
        let bus = try ResolvedTestBus()
        defer { bus.stop() }
        let fake = try FakeResolve1(busAddress: bus.address)
        defer { fake.stop() }
        fake.fail("SetLinkDomains", name: "org.freedesktop.DBus.Error.AccessDenied", message: "Access denied")
        let wiring = Self.wiring(bus: bus.address)
        let error = try #require(throws: HostDNSError.self) { try wiring.apply(zone: Self.zone()) }
        #expect(error.description.contains("org.freedesktop.resolve1.Manager.SetLinkDomains"), "\(error)")
        #expect(error.description.contains("CAP_NET_ADMIN"), "\(error)")

        fake.fail("RevertLink", name: "org.freedesktop.resolve1.NoSuchLink", message: "Link gone")
        try wiring.remove()
        #expect(fake.calls.last == "RevertLink(\(Self.lo))", "the half-applied link is reverted; a gone link is no error")
    }

    @Test(.enabled(if: ResolvedTestBus.available, "dbus-daemon is not installed (apt-get install dbus)"))
    func aResolvedWithoutDefaultRouteCallIsEnough() throws {
        let bus = try ResolvedTestBus()
        defer { bus.stop() }
        let fake = try FakeResolve1(busAddress: bus.address)
        defer { fake.stop() }
        fake.fail("SetLinkDefaultRoute", name: "org.freedesktop.DBus.Error.UnknownMethod", message: "Unknown method")
        try Self.wiring(bus: bus.address).apply(zone: Self.zone())
        #expect(fake.calls.count == 3)
    }
}
