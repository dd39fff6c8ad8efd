import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayDNS

/// Chooses where the resolver listens and how the host is wired, from the
/// settings and what this host has: the decision an operator reads in one log line.
enum NameServiceStart {
    static func start(settings: DNSSettings?, identity: NodeIdentity, tun: String?, roster: RosterCache,
                      group: any EventLoopGroup, logger: Logger) async throws -> NameService? {
        guard let settings else {
            logger.notice("resolver off (--dns off): overlay names are not answered here", metadata: ["event": "dns-off"])
            return nil
        }
        guard let network = try? IPv4Network(parsing: identity.network), let overlayIP = IPv4Address(identity.overlayIP) else {
            throw NodeError.damagedState("the stored network '\(identity.network)' or overlay IP '\(identity.overlayIP)' is not usable")
        }
        var addresses: [IPv4Address] = []
        if tun != nil { addresses.append(overlayIP) }
        if let loopback = settings.loopbackAddress(for: overlayIP) { addresses.append(loopback) }
        guard !addresses.isEmpty else {
            logger.notice("resolver off: no TUN and dns-loopback = off leave it no address", metadata: ["event": "dns-off"])
            return nil
        }
        let (wiring, description) = try chooseWiring(settings, identity: identity, overlayIP: overlayIP, tun: tun, logger: logger)
        let server = try await DNSServer.start(addresses: addresses, port: settings.port, group: group, logger: logger)
        return NameService(server: server, wiring: wiring, hostDescription: description, roster: roster, network: network, logger: logger)
    }

    private static func chooseWiring(_ settings: DNSSettings, identity: NodeIdentity, overlayIP: IPv4Address, tun: String?,
                                     logger: Logger) throws -> ((any HostNameWiring)?, String) {
        let hosts = { () -> ((any HostNameWiring)?, String) in
            (HostsFileWiring(path: settings.hostsFile, owner: identity.name, search: settings.search), "hosts file \(settings.hostsFile)")
        }
        let resolved = { (tun: String) -> ((any HostNameWiring)?, String) in
            (ResolvedWiring(interface: tun, server: overlayIP, port: UInt16(settings.port), search: settings.search), "resolved on \(tun)")
        }
        switch settings.host {
        case .none:
            return (nil, "none")
        case .hosts:
            return hosts()
        case .resolved:
            guard let tun else { throw NodeError.dnsNeedsTun }
            return resolved(tun)
        case .auto:
            guard let tun else {
                logger.notice("no TUN: overlay names are answered on the loopback resolver but not wired into this host",
                              metadata: ["event": "dns-host-skipped"])
                return (nil, "none")
            }
            return ResolvedWiring.isResolvedRunning() ? resolved(tun) : hosts()
        }
    }
}
