import Foundation
@testable import OverlayController
import OverlayCore
import Testing

/// The per-source limit settings of the controller: documented defaults, values
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
}
