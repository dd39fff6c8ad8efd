import Foundation
import Logging
import OverlayCore

/// The controller's settings after merging the config file and the flags
/// (flags win). Everything the daemon reads comes from here.
public struct ControllerConfiguration: Sendable {
    public var stateDirectory: String
    public var listen: HostPort
    public var advertise: [HostPort]
    public var socketPath: String
    /// Nil means "the default on first start, whatever was stored on later ones".
    public var network: IPv4Network?
    public var activeTimeout: TimeInterval
    public var passphraseFile: String?
    public var certificateValidity: TimeInterval
    public var logLevel: Logger.Level
    /// Plain-HTTP listener for Prometheus scrapes of `/metrics`; nil (the default) opens none.
    public var metricsListen: HostPort?
    /// Plain-HTTP listener for the read-only status page; nil (the default) opens none.
    public var statusListen: HostPort?
    /// The DNS domain of the network's names, sent in the roster: every node answers `NAME.domain`.
    public var domain: String
    /// Per source address: nonce requests, and enrollment requests, each (`/v1/enroll/nonce`, `/v1/enroll`).
    public var enrollRate: RateLimit
    /// Open connections to the TLS API from one source address.
    public var maxConnectionsPerSource: Int
    /// Seconds a client has to send a whole request on the TLS API (slow-loris).
    public var requestReadTimeout: TimeInterval
    /// `--recover-registry`, command line only: start over a lost `controller.db` (RegistryRecovery).
    public var recoverRegistry = false

    /// A token guesser gets 30 guesses a minute from one address; a node
    /// needs one of each request, and 100 nodes behind one NAT are all in
    /// within about 4 minutes, retrying on 429 by themselves.
    public static let defaultEnrollRate = RateLimit(30, per: 60)
    /// Each node keeps one connection: room for 1000 nodes behind one NAT,
    /// while one address can hold at most 1/32 of the listener's 32 768.
    public static let defaultMaxConnectionsPerSource = 1024
    public static let defaultRequestReadTimeout: TimeInterval = 10

    public static let defaultNetwork = "100.64.0.0/16"
    public static let defaultListen = "0.0.0.0:7443"
    public static let defaultSocket = "/run/overlayd/controller.sock"
    public static let defaultStateDirectory = "/var/lib/overlayd/controller"

    /// What may be given on the command line or in the file; nil = not given.
    public struct Overrides: Sendable, Decodable {
        public var stateDir: String?
        public var listen: String?
        public var advertise: [String]?
        public var socket: String?
        public var network: String?
        public var activeTimeout: String?
        public var passphraseFile: String?
        public var certificateValidity: String?
        public var logLevel: String?
        public var metricsListen: String?
        public var statusListen: String?
        public var domain: String?
        public var enrollRate: String?
        public var maxConnectionsPerSource: Int?
        public var requestReadTimeout: String?

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case stateDir = "state-dir", listen, advertise, socket, network, activeTimeout = "active-timeout"
            case passphraseFile = "passphrase-file", certificateValidity = "cert-lifetime", logLevel = "log-level"
            case metricsListen = "metrics-listen", statusListen = "status-listen", domain
            case enrollRate = "enroll-rate", maxConnectionsPerSource = "max-connections-per-source"
            case requestReadTimeout = "request-read-timeout"
        }

        public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

        /// `self` wins over `base`.
        func over(_ base: Overrides) -> Overrides {
            var r = base
            if let v = stateDir { r.stateDir = v }
            if let v = listen { r.listen = v }
            if let v = advertise, !v.isEmpty { r.advertise = v }
            if let v = socket { r.socket = v }
            if let v = network { r.network = v }
            if let v = activeTimeout { r.activeTimeout = v }
            if let v = passphraseFile { r.passphraseFile = v }
            if let v = certificateValidity { r.certificateValidity = v }
            if let v = logLevel { r.logLevel = v }
            if let v = metricsListen { r.metricsListen = v }
            if let v = statusListen { r.statusListen = v }
            if let v = domain { r.domain = v }
            if let v = enrollRate { r.enrollRate = v }
            if let v = maxConnectionsPerSource { r.maxConnectionsPerSource = v }
            if let v = requestReadTimeout { r.requestReadTimeout = v }
            return r
        }
    }

    /// Node certificates live 7 days by default and nodes renew them at two thirds of
    /// that: a stolen node key is good for days, not a year. Short lifetimes (down to
    /// 30 s) are for tests; more than a year defeats the point.
    public static let defaultCertificateLifetime = "7d"
    public static let certificateLifetimeRange: ClosedRange<TimeInterval> = 30 ... 366 * 86_400

    static func certificateLifetime(_ text: String, source: String) throws(ConfigError) -> TimeInterval {
        let lifetime = try DurationParser.parse(text)
        guard certificateLifetimeRange.contains(lifetime) else {
            throw .invalidValue(path: source, key: "cert-lifetime",
                                reason: "'\(text)' is outside 30s–366d; node certificates are renewed at two thirds of their lifetime (default \(defaultCertificateLifetime))")
        }
        return lifetime
    }

    public static func resolve(flags: Overrides, configFile: String?) throws -> ControllerConfiguration {
        var merged = flags
        if let configFile {
            let file = try ConfigFile.load(Overrides.self, path: configFile, knownKeys: Overrides.keys)
            merged = flags.over(file)
        }
        let listen = try HostPort(parsing: merged.listen ?? defaultListen)
        var advertise = try (merged.advertise ?? []).map { try HostPort(parsing: $0, defaultPort: listen.port) }
        if advertise.isEmpty {
            let wildcard = ["0.0.0.0", "::", "*"].contains(listen.host)
            advertise = [wildcard ? HostPort(host: ProcessInfo.processInfo.hostName, port: listen.port) : listen]
        }
        let source = configFile ?? "command line"
        let level = try LogLevelSetting.parse(merged.logLevel, source: source)
        return ControllerConfiguration(
            stateDirectory: merged.stateDir ?? defaultStateDirectory,
            listen: listen,
            advertise: advertise,
            socketPath: merged.socket ?? defaultSocket,
            network: try merged.network.map { try IPv4Network(parsing: $0) },
            activeTimeout: try DurationParser.parse(merged.activeTimeout ?? "30s"),
            passphraseFile: merged.passphraseFile,
            certificateValidity: try Self.certificateLifetime(merged.certificateValidity ?? defaultCertificateLifetime, source: configFile ?? "command line"),
            logLevel: level,
            metricsListen: try merged.metricsListen.map { try HostPort(parsing: $0) },
            statusListen: try merged.statusListen.map { try HostPort(parsing: $0) },
            domain: try NetworkDomain.canonical(merged.domain ?? NetworkDomain.defaultDomain, source: source),
            enrollRate: try LimitSetting.rate(merged.enrollRate, default: defaultEnrollRate, key: "enroll-rate", source: source),
            maxConnectionsPerSource: try LimitSetting.count(merged.maxConnectionsPerSource, default: defaultMaxConnectionsPerSource,
                                                            range: 1...32_768, key: "max-connections-per-source", source: source),
            requestReadTimeout: try LimitSetting.duration(merged.requestReadTimeout, default: defaultRequestReadTimeout, range: 1...300,
                                                          key: "request-read-timeout", source: source))
    }
}
