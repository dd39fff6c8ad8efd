import Foundation
import OverlayCore

/// The node's resolver options after merging the config file and flags.
public struct DNSSettings: Sendable, Equatable {
    /// How the node's names reach the host's own lookups (getent, ssh, ping).
    public enum HostWiring: String, Sendable, CaseIterable {
        /// systemd-resolved when it runs (per-link DNS on the TUN), else the hosts file.
        case auto
        case resolved
        /// A marked block in the hosts file, as innernet does.
        case hosts
        /// The resolver answers on its addresses; the host is left alone.
        case none
    }

    /// Where the resolver listens for the host itself, besides the overlay IP.
    public enum Loopback: Sendable, Equatable {
        /// 127.53.X.Y, X.Y the low 16 bits of the overlay IP: nodes sharing a host never collide.
        case derived
        case address(IPv4Address)
        case off
    }

    public var port: Int
    public var loopback: Loopback
    public var host: HostWiring
    /// The domain is also a search domain, so `ssh bob` works (host wiring only).
    public var search: Bool
    public var hostsFile: String

    public static let defaultHostsFile = "/etc/hosts"

    /// The loopback address for a node with this overlay IP, or nil when off.
    public func loopbackAddress(for overlayIP: IPv4Address) -> IPv4Address? {
        switch loopback {
        case .derived: return IPv4Address(0x7f35_0000 | (overlayIP.value & 0xffff))
        case .address(let a): return a
        case .off: return nil
        }
    }

    static func resolve(_ m: NodeConfiguration.Overrides, source: String) throws -> DNSSettings? {
        let mode = m.dns ?? "on"
        guard mode == "on" || mode == "off" else {
            throw ConfigError.invalidValue(path: source, key: "dns", reason: "'\(mode)' is not one of on, off")
        }
        if mode == "off" { return nil }
        let port = m.dnsPort ?? 53
        guard (1...65535).contains(port) else {
            throw ConfigError.invalidValue(path: source, key: "dns-port", reason: "\(port) is outside 1-65535")
        }
        let loopback: Loopback
        switch m.dnsLoopback {
        case nil: loopback = .derived
        case "off": loopback = .off
        case let text?:
            guard let a = IPv4Address(text), a.value >> 24 == 127 else {
                throw ConfigError.invalidValue(path: source, key: "dns-loopback",
                                               reason: "'\(text)' is not a 127.x.y.z address or \"off\"")
            }
            loopback = .address(a)
        }
        let hostText = m.dnsHost ?? HostWiring.auto.rawValue
        guard let host = HostWiring(rawValue: hostText) else {
            throw ConfigError.invalidValue(path: source, key: "dns-host",
                                           reason: "'\(hostText)' is not one of \(HostWiring.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let hostsFile = m.hostsFile ?? defaultHostsFile
        guard hostsFile.hasPrefix("/") else {
            throw ConfigError.invalidValue(path: source, key: "hosts-file", reason: "'\(hostsFile)' must be an absolute path")
        }
        return DNSSettings(port: port, loopback: loopback, host: host, search: m.dnsSearch ?? false, hostsFile: hostsFile)
    }
}
