import Foundation
@testable import OverlayController
@testable import OverlayNode
@testable import OverlayCore
import Testing

/// Every setting a config file may hold, changed alone, is either applied by
/// a SIGHUP reload or reported as needing a restart: a setting added later
/// cannot be silently ignored by a reload.
@Suite("reload covers every setting")
struct ReloadCoverageTests {
    /// Read once, at enrollment: a reload has nothing to compare them with.
    static let nodeEnrollmentOnly: Set<String> = ["join-token", "request-ip"]

    static let nodeBase: [String: String] = ["name": "alice", "ping-interval": "1s", "ping-timeout": "1s", "roster-interval": "1s"]
    static let nodeChanged: [String: String] = [
        "name": "bob", "state-dir": "/tmp/x", "join-token": "t", "request-ip": "100.64.0.9", "listen": "127.0.0.1:7000",
        "advertise": "127.0.0.1:7001", "controller": "127.0.0.1:7002", "socket": "/tmp/x.sock", "passphrase-file": "/tmp/p",
        "roster-interval": "2s", "ping-interval": "3s", "ping-timeout": "4s", "peer-connections": "per-round",
        "report-rtt-floor": "20ms", "log-level": "debug", "metrics-listen": "127.0.0.1:9100",
        "tun": "ovl7", "mtu": "1380", "data-listen": "127.0.0.1:7003", "tun-queues": "3", "rekey-interval": "5m",
        "dns": "off", "dns-port": "5353", "dns-loopback": "127.0.0.9", "dns-host": "hosts", "dns-search": "true",
        "hosts-file": "/tmp/hosts", "peer-handshake-rate": "5/s", "max-peer-connections-per-source": "16",
    ]
    /// Node keys a config file gives as integers.
    static let nodeIntegers: Set<String> = ["mtu", "tun-queues", "dns-port", "max-peer-connections-per-source"]
    /// Node keys a config file gives as booleans.
    static let nodeBooleans: Set<String> = ["dns-search"]
    static let controllerChanged: [String: String] = [
        "state-dir": "/tmp/x", "listen": "127.0.0.1:7000", "advertise": "127.0.0.1:7001", "socket": "/tmp/x.sock",
        "network": "100.96.0.0/16", "active-timeout": "45s", "passphrase-file": "/tmp/p", "cert-lifetime": "30d",
        "log-level": "debug", "metrics-listen": "127.0.0.1:9100", "status-listen": "127.0.0.1:8080",
        "domain": "corp.internal", "enroll-rate": "10/min", "max-connections-per-source": "64", "request-read-timeout": "30s",
    ]
    /// Controller keys a config file gives as integers.
    static let controllerIntegers: Set<String> = ["max-connections-per-source"]

    /// Overrides as a config file would give them; `lists` are keys whose value is a list.
    static func decode<T: Decodable>(_ type: T.Type, _ values: [String: String], lists: Set<String> = [],
                                     integers: Set<String> = [], booleans: Set<String> = []) throws -> T {
        let object: [String: Any] = values.reduce(into: [:]) {
            let value: Any = lists.contains($1.key) ? [$1.value] : integers.contains($1.key) ? Int($1.value)! as Any
                : booleans.contains($1.key) ? ($1.value == "true") as Any : $1.value
            $0[$1.key] = value
        }
        return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test("node: each setting is applied live or named as needing a restart",
          arguments: NodeConfiguration.Overrides.keys)
    func nodeSetting(_ key: String) throws {
        let value = try #require(Self.nodeChanged[key], "ReloadCoverageTests has no changed value for the node's '\(key)'")
        let old = try NodeConfiguration.resolve(flags: Self.decode(NodeConfiguration.Overrides.self, Self.nodeBase), configFile: nil)
        var changed = Self.nodeBase
        changed[key] = value
        let new = try NodeConfiguration.resolve(flags: Self.decode(NodeConfiguration.Overrides.self, changed, integers: Self.nodeIntegers,
                                                                             booleans: Self.nodeBooleans),
                                                configFile: nil)
        let report = NodeDaemon.compare(old, new)
        if Self.nodeEnrollmentOnly.contains(key) {
            #expect(report == ReloadReport(), "\(key) is read at enrollment only")
        } else {
            let named = report.applied.map { String($0.prefix { $0 != "=" }) } + report.needRestart
            // Others may follow from it (a new name moves the default state directory).
            #expect(named.contains(key), "changing only \(key) reports it: \(report)")
        }
    }

    @Test("controller: each setting is applied live or named as needing a restart",
          arguments: ControllerConfiguration.Overrides.keys)
    func controllerSetting(_ key: String) throws {
        let value = try #require(Self.controllerChanged[key], "ReloadCoverageTests has no changed value for the controller's '\(key)'")
        let old = try ControllerConfiguration.resolve(flags: ControllerConfiguration.Overrides(), configFile: nil)
        let new = try ControllerConfiguration.resolve(flags: Self.decode(ControllerConfiguration.Overrides.self, [key: value], lists: ["advertise"],
                                                                         integers: Self.controllerIntegers),
                                                      configFile: nil)
        let report = ControllerDaemon.compare(old, new)
        let named = report.applied.map { String($0.prefix { $0 != "=" }) } + report.needRestart
        #expect(named.contains(key), "changing only \(key) reports it (a new listen also moves the default advertise): \(report)")
    }
}
