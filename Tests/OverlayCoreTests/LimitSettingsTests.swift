import Foundation
@testable import OverlayController
@testable import OverlayNode
import OverlayCore
import Testing

/// The per-source limit settings of both daemons: documented defaults, values
/// from a config file, and mistakes named with their setting.
@Suite struct LimitSettingsTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "overlayd-limits-\(UUID()).conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("controller defaults: 30/min enrollment requests, 1024 connections per address, 10 s to send a request")
    func controllerDefaults() throws {
        let c = try ControllerConfiguration.resolve(flags: .init(), configFile: nil)
        #expect(c.enrollRate == RateLimit(30, per: 60))
        #expect(c.maxConnectionsPerSource == 1024)
        #expect(c.requestReadTimeout == 10)
    }

    @Test("controller limits from its config file")
    func controllerFromFile() throws {
        let path = try write("enroll-rate = \"120/h\"\nmax-connections-per-source = 64\nrequest-read-timeout = \"30s\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try ControllerConfiguration.resolve(flags: .init(), configFile: path)
        #expect(c.enrollRate == RateLimit(120, per: 3600))
        #expect(c.maxConnectionsPerSource == 64)
        #expect(c.requestReadTimeout == 30)
    }

    @Test("controller limit mistakes name the setting and the file", arguments: [
        ("enroll-rate = \"lots\"", "enroll-rate"),
        ("max-connections-per-source = 0", "max-connections-per-source"),
        ("request-read-timeout = \"0s\"", "request-read-timeout"),
        ("request-read-timeout = \"1h\"", "request-read-timeout"),
    ])
    func controllerMistakes(_ line: String, _ key: String) throws {
        let path = try write(line + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ControllerConfiguration.resolve(flags: .init(), configFile: path)
            Issue.record("\(line) was accepted")
        } catch let ConfigError.invalidValue(p, k, _) {
            #expect(p == path && k == key)
        }
    }

    @Test("node defaults: 20 handshakes a second and 256 connections per address on the peer listener")
    func nodeDefaults() throws {
        var flags = NodeConfiguration.Overrides()
        flags.name = "alice"
        let c = try NodeConfiguration.resolve(flags: flags, configFile: nil)
        #expect(c.peerHandshakeRate == RateLimit(20, per: 1))
        #expect(c.maxPeerConnectionsPerSource == 256)
    }

    @Test("node limits from its config file, and a mistake named")
    func nodeFromFile() throws {
        let path = try write("name = \"alice\"\npeer-handshake-rate = \"5/s\"\nmax-peer-connections-per-source = 8\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try NodeConfiguration.resolve(flags: .init(), configFile: path)
        #expect(c.peerHandshakeRate == RateLimit(5, per: 1))
        #expect(c.maxPeerConnectionsPerSource == 8)

        let bad = try write("name = \"alice\"\npeer-handshake-rate = \"20\"\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect(throws: ConfigError.invalidValue(path: bad, key: "peer-handshake-rate",
                                                 reason: "'20' is not a rate: write a positive count, '/' and a period, e.g. 30/min, 20/s, 100/10m")) {
            try NodeConfiguration.resolve(flags: .init(), configFile: bad)
        }
    }
}
