import Foundation
import OverlayCore
import Testing

@Suite struct DurationParserTests {
    @Test(arguments: [("500ms", 0.5), ("10s", 10), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("7d", 604_800), ("15", 15)])
    func parses(_ text: String, _ seconds: Double) throws {
        #expect(try DurationParser.parse(text) == seconds)
    }

    @Test(arguments: ["", "ten", "10x", "-5s", "1.2.3s", "m5"])
    func refuses(_ text: String) {
        #expect(throws: ConfigError.invalidDuration(text)) { try DurationParser.parse(text) }
    }

    @Test func formats() {
        #expect(DurationParser.format(5400) == "1h30m")
        #expect(DurationParser.format(0.25) == "250ms")
    }
}

@Suite struct AddressTests {
    @Test func hostPort() throws {
        #expect(try HostPort(parsing: "127.0.0.1:7443") == HostPort(host: "127.0.0.1", port: 7443))
        #expect(try HostPort(parsing: "[::1]:7443") == HostPort(host: "::1", port: 7443))
        #expect(try HostPort(parsing: "ctl.example.net", defaultPort: 7443).port == 7443)
        #expect(HostPort(host: "::1", port: 1).description == "[::1]:1")
        #expect(throws: ConfigError.self) { try HostPort(parsing: "host:99999") }
        #expect(throws: ConfigError.self) { try HostPort(parsing: "noport") }
    }

    @Test func network() throws {
        let net = try IPv4Network(parsing: "100.64.0.0/16")
        #expect(net.firstHost.description == "100.64.0.1")
        #expect(net.lastHost.description == "100.64.255.254")
        #expect(net.containsHost(IPv4Address("100.64.3.4")!))
        #expect(!net.containsHost(IPv4Address("100.64.0.0")!))
        #expect(!net.containsHost(IPv4Address("100.64.255.255")!))
        #expect(!net.containsHost(IPv4Address("100.65.0.1")!))
        #expect(throws: ConfigError.invalidCIDR("100.64.0.1/16")) { try IPv4Network(parsing: "100.64.0.1/16") }
        #expect(throws: ConfigError.self) { try IPv4Network(parsing: "100.64.0.0/31") }
    }

    @Test(arguments: ["1.2.3", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1.2.3.4.5", ""])
    func refusesBadIPv4(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }
}

@Suite struct NodeNameTests {
    @Test(arguments: ["alice", "a", "node-7", String(repeating: "x", count: 63)])
    func accepts(_ name: String) throws { try NodeName.validate(name) }

    @Test(arguments: ["", "Alice", "-a", "a-", "a_b", "a.b", String(repeating: "x", count: 64), "overlayd-controller", "ål"])
    func refuses(_ name: String) {
        #expect(throws: ConfigError.self) { try NodeName.validate(name) }
    }
}

@Suite struct ConfigFileTests {
    struct Settings: Decodable {
        var listen: String?
        var advertise: [String]?
    }

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "overlayd-config-\(UUID()).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsKnownKeys() throws {
        let path = try write("listen = \"0.0.0.0:7443\"\nadvertise = [\"a:1\", \"b:2\"]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"])
        #expect(s.listen == "0.0.0.0:7443")
        #expect(s.advertise == ["a:1", "b:2"])
    }

    @Test func refusesATypoNamingTheKey() throws {
        let path = try write("lisen = \"0.0.0.0:7443\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.unknownKeys(path: path, keys: ["lisen"], known: ["advertise", "listen"])) {
            try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"])
        }
    }

    @Test func reportsTheLineOfASyntaxError() throws {
        let path = try write("listen = \"ok\"\nadvertise = [\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"])
            Issue.record("expected a syntax error")
        } catch let ConfigError.syntax(p, line, _) {
            #expect(p == path)
            #expect(line >= 2)
        }
    }

    /// FuzzConfig's finds: a table header that does not go on with a key made TOMLKit's parser abort
    /// the process (an assertion in toml++) instead of reporting a syntax error.
    @Test(arguments: [("mu = \"bkg\"\n[\n\u{19}ble]\nx \n", 2), ("mtu = \"bmtuig\"\n[ > \"]\ntable#\nxx = 1 = ;\n\n", 2),
                      ("[[ {x}]]\n", 1), ("\u{FEFF}[\r\n", 1)])
    func refusesATableHeaderWithoutAKey(_ text: String, _ line: Int) throws {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.syntax(path: path, line: line, reason: "a table header must name a table: [name]")) {
            try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"])
        }
    }

    @Test func stillReadsTablesAndArraysOfStrings() throws {
        let path = try write("listen = \"a:1\"\nadvertise = [\n  \"b:2\",\n]\n[ \"quoted\" ]\n[[t]]\n[_]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.unknownKeys(path: path, keys: ["_", "quoted", "t"], known: ["advertise", "listen"])) {
            try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"])
        }
    }

    /// TOMLKit reads the text as a C string: without the check, everything after a NUL went unread.
    @Test func refusesANulInsteadOfStoppingThere() throws {
        let path = try write("listen = \"0.0.0.0:7443\"\n\u{0}\nlisen = 1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError.self) { try ConfigFile.load(Settings.self, path: path, knownKeys: ["listen", "advertise"]) }
    }

    @Test func passphraseComesFromTheCredentialDirectory() throws {
        let dir = NSTemporaryDirectory() + "overlayd-cred-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "long enough secret\n".write(toFile: dir + "/passphrase", atomically: true, encoding: .utf8)
        #expect(try Passphrase.load(file: nil, environment: ["CREDENTIALS_DIRECTORY": dir]) == Array("long enough secret".utf8))
        #expect(throws: ConfigError.passphraseMissing) { try Passphrase.load(file: nil, environment: [:]) }
    }

    @Test func refusesAPassphraseOpenSSLCouldNotReadBack() throws {
        let path = NSTemporaryDirectory() + "overlayd-pass-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0x61, 0x62, 0x63, 0x64, 0, 0x65, 0x66, 0x67, 0x68, 0x69])))
        #expect(throws: ConfigError.self) { try Passphrase.load(file: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: 1024)))
        #expect(throws: ConfigError.self) { try Passphrase.load(file: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: 1023)))
        #expect(try Passphrase.load(file: path).count == 1023)
    }
}
