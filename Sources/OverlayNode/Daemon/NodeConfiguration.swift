import Foundation
import Logging
import OverlayCore

/// The node's settings after merging its config file and flags (flags win).
public struct NodeConfiguration: Sendable {
    public var name: String
    public var stateDirectory: String
    public var joinToken: String?
    /// The overlay IP to ask for at enrollment; nil lets the controller choose.
    public var requestIP: String?
    public var listen: HostPort
    public var advertise: HostPort?
    /// Overrides the controller addresses stored at enrollment.
    public var controller: HostPort?
    public var socketPath: String
    public var passphraseFile: String?
    public var rosterInterval: TimeInterval
    public var pingInterval: TimeInterval
    public var pingTimeout: TimeInterval
    public var peerConnections: PeerConnectionMode
    /// The smallest smoothed-RTT change (seconds) worth a health-report entry, with 25 %.
    public var reportRTTFloor: TimeInterval
    public var logLevel: Logger.Level
    /// Plain-HTTP listener for Prometheus scrapes of `/metrics`; nil (the default) opens none.
    public var metricsListen: HostPort?
    /// The data plane's settings; nil for a control-plane-only node (`--no-tun`).
    public var dataPlane: DataPlaneSettings?
    /// The resolver for `NAME.domain`; nil with `--dns off`.
    public var dns: DNSSettings?
    /// New connections to the peer listener (each a TLS handshake) per source address.
    public var peerHandshakeRate: RateLimit
    /// Open connections to the peer listener from one source address.
    public var maxPeerConnectionsPerSource: Int

    public static let defaultListen = "0.0.0.0:7444"
    /// A peer opens a connection per rekey (2 min) or, with per-round, per PING round:
    /// 20/s leaves room for dozens of peers behind one NAT starting at once.
    public static let defaultPeerHandshakeRate = RateLimit(20, per: 1)
    /// A peer holds one connection (two for a moment while it rekeys): room for
    /// a hundred peers behind one NAT, while one address holds at most 1/32 of the 8192.
    public static let defaultMaxPeerConnectionsPerSource = 256

    public struct Overrides: Sendable, Decodable {
        public var name: String?
        public var stateDir: String?
        public var joinToken: String?
        public var requestIP: String?
        public var listen: String?
        public var advertise: String?
        public var controller: String?
        public var socket: String?
        public var passphraseFile: String?
        public var rosterInterval: String?
        public var pingInterval: String?
        public var pingTimeout: String?
        public var peerConnections: String?
        public var reportRTTFloor: String?
        public var logLevel: String?
        public var metricsListen: String?
        public var tun: String?
        public var mtu: Int?
        public var dataListen: String?
        public var tunQueues: Int?
        public var rekeyInterval: String?
        public var dns: String?
        public var dnsPort: Int?
        public var dnsLoopback: String?
        public var dnsHost: String?
        public var dnsSearch: Bool?
        public var hostsFile: String?
        public var peerHandshakeRate: String?
        public var maxPeerConnectionsPerSource: Int?

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, stateDir = "state-dir", joinToken = "join-token", requestIP = "request-ip", listen, advertise, controller, socket
            case passphraseFile = "passphrase-file", rosterInterval = "roster-interval", pingInterval = "ping-interval"
            case pingTimeout = "ping-timeout", peerConnections = "peer-connections", logLevel = "log-level"
            case reportRTTFloor = "report-rtt-floor"
            case metricsListen = "metrics-listen"
            case tun, mtu, dataListen = "data-listen", tunQueues = "tun-queues", rekeyInterval = "rekey-interval"
            case dns, dnsPort = "dns-port", dnsLoopback = "dns-loopback", dnsHost = "dns-host", dnsSearch = "dns-search"
            case hostsFile = "hosts-file"
            case peerHandshakeRate = "peer-handshake-rate", maxPeerConnectionsPerSource = "max-peer-connections-per-source"
        }

        public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

        func over(_ base: Overrides) -> Overrides {
            var r = base
            if let v = name { r.name = v }
            if let v = stateDir { r.stateDir = v }
            if let v = joinToken { r.joinToken = v }
            if let v = requestIP { r.requestIP = v }
            if let v = listen { r.listen = v }
            if let v = advertise { r.advertise = v }
            if let v = controller { r.controller = v }
            if let v = socket { r.socket = v }
            if let v = passphraseFile { r.passphraseFile = v }
            if let v = rosterInterval { r.rosterInterval = v }
            if let v = pingInterval { r.pingInterval = v }
            if let v = pingTimeout { r.pingTimeout = v }
            if let v = peerConnections { r.peerConnections = v }
            if let v = reportRTTFloor { r.reportRTTFloor = v }
            if let v = logLevel { r.logLevel = v }
            if let v = metricsListen { r.metricsListen = v }
            if let v = tun { r.tun = v }
            if let v = mtu { r.mtu = v }
            if let v = dataListen { r.dataListen = v }
            if let v = tunQueues { r.tunQueues = v }
            if let v = rekeyInterval { r.rekeyInterval = v }
            if let v = dns { r.dns = v }
            if let v = dnsPort { r.dnsPort = v }
            if let v = dnsLoopback { r.dnsLoopback = v }
            if let v = dnsHost { r.dnsHost = v }
            if let v = dnsSearch { r.dnsSearch = v }
            if let v = hostsFile { r.hostsFile = v }
            if let v = peerHandshakeRate { r.peerHandshakeRate = v }
            if let v = maxPeerConnectionsPerSource { r.maxPeerConnectionsPerSource = v }
            return r
        }
    }

    public static func resolve(flags: Overrides, configFile: String?) throws -> NodeConfiguration {
        var m = flags
        if let configFile {
            m = flags.over(try ConfigFile.load(Overrides.self, path: configFile, knownKeys: Overrides.keys))
        }
        guard let name = m.name else {
            throw ConfigError.missing(option: "--name", hint: "give the node's name (a DNS label such as alice) with --name or 'name' in the config file")
        }
        try NodeName.validate(name)
        let listen = try HostPort(parsing: m.listen ?? defaultListen)
        if let ip = m.requestIP, IPv4Address(ip) == nil {
            throw ConfigError.invalidValue(path: configFile ?? "command line", key: "request-ip", reason: "'\(ip)' is not an IPv4 address")
        }
        let level = try LogLevelSetting.parse(m.logLevel, source: configFile ?? "command line")
        let ping = try DurationParser.parse(m.pingInterval ?? "15s")
        let roster = try DurationParser.parse(m.rosterInterval ?? "10s")
        guard ping >= 0.05, roster >= 0.05 else {
            throw ConfigError.invalidValue(path: configFile ?? "command line", key: "ping-interval/roster-interval", reason: "must be at least 50ms")
        }
        let modeText = m.peerConnections ?? PeerConnectionMode.persistent.rawValue
        guard let mode = PeerConnectionMode(rawValue: modeText) else {
            throw ConfigError.invalidValue(path: configFile ?? "command line", key: "peer-connections",
                                           reason: "'\(modeText)' is not one of persistent, per-round")
        }
        return NodeConfiguration(
            name: name,
            stateDirectory: m.stateDir ?? "/var/lib/overlayd/node/\(name)",
            joinToken: m.joinToken,
            requestIP: m.requestIP,
            listen: listen,
            advertise: try m.advertise.map { try HostPort(parsing: $0) },
            controller: try m.controller.map { try HostPort(parsing: $0) },
            socketPath: m.socket ?? "/run/overlayd/node-\(name).sock",
            passphraseFile: m.passphraseFile,
            rosterInterval: roster,
            pingInterval: ping,
            pingTimeout: try m.pingTimeout.map { try DurationParser.parse($0) } ?? min(5, ping),
            peerConnections: mode,
            reportRTTFloor: try DurationParser.parse(m.reportRTTFloor ?? "1ms"),
            logLevel: level,
            metricsListen: try m.metricsListen.map { try HostPort(parsing: $0) },
            dataPlane: try DataPlaneSettings.resolve(m, source: configFile ?? "command line"),
            dns: try DNSSettings.resolve(m, source: configFile ?? "command line"),
            peerHandshakeRate: try LimitSetting.rate(m.peerHandshakeRate, default: defaultPeerHandshakeRate, key: "peer-handshake-rate",
                                                     source: configFile ?? "command line"),
            maxPeerConnectionsPerSource: try LimitSetting.count(m.maxPeerConnectionsPerSource, default: defaultMaxPeerConnectionsPerSource,
                                                                range: 1...PeerListener.maxConnections, key: "max-peer-connections-per-source",
                                                                source: configFile ?? "command line"))
    }
}
