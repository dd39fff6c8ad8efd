import Foundation
import OverlayCore
import OverlayDataPlane

/// The node's data-plane options after merging the config file and flags.
public struct DataPlaneSettings: Sendable, Equatable {
    public var interface: String
    public var mtu: Int
    /// Nil: the peer listener's address and port.
    public var listen: HostPort?
    public var queues: Int
    public var rekeyInterval: TimeInterval

    public static let defaultInterface = "ovl0"
    /// IPv4 needs at least 576; past 1500 - 80 the packets no longer fit a 1500-byte path over IPv6.
    public static let mtuRange = 576...9000

    static func resolve(_ m: NodeConfiguration.Overrides, source: String) throws -> DataPlaneSettings? {
        let name = m.tun ?? defaultInterface
        if name == "off" { return nil }
        do { try TunDevice.validate(name: name) } catch {
            throw ConfigError.invalidValue(path: source, key: "tun", reason: "\(error.description), or \"off\"")
        }
        let mtu = m.mtu ?? DataPacketFormat.defaultMTU
        guard mtuRange.contains(mtu) else {
            throw ConfigError.invalidValue(path: source, key: "mtu", reason: "\(mtu) is outside \(mtuRange.lowerBound)-\(mtuRange.upperBound); 1420 fits a 1500-byte path")
        }
        let queues = m.tunQueues ?? min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))
        guard (1...64).contains(queues) else {
            throw ConfigError.invalidValue(path: source, key: "tun-queues", reason: "\(queues) is outside 1-64")
        }
        let rekey = try DurationParser.parse(m.rekeyInterval ?? "2m")
        guard (1...3600).contains(rekey) else {
            throw ConfigError.invalidValue(path: source, key: "rekey-interval",
                                           reason: "must be from 1s to 1h (a session's keys are refused 1.5 times this long after they were made)")
        }
        return DataPlaneSettings(interface: name, mtu: mtu, listen: try m.dataListen.map { try HostPort(parsing: $0) },
                                 queues: queues, rekeyInterval: rekey)
    }
}
