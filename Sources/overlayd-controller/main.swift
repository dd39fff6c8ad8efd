import ArgumentParser
import Foundation
import OverlayController
import OverlayCore

@main
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlayd-controller",
        abstract: "The overlayd network controller: enrolls nodes and serves the roster.",
        discussion: """
            On first start with an empty --state-dir it creates the network: a CA (key encrypted with the \
            passphrase), and the overlay range; a ca.crt/ca.key made with certs/make-ca.sh and placed there \
            first is adopted instead. Later starts reuse both. Nodes join with tokens made by \
            'overlayctl token create'. Every option can also be set in the --config file (TOML, same names); \
            flags win. Durations read as 500ms, 10s, 5m, 1h.

            The key passphrase comes from --passphrase-file or the systemd credential 'passphrase' \
            (LoadCredentialEncrypted=passphrase:/etc/credstore.encrypted/overlayd-controller.passphrase, made with \
            'systemd-creds encrypt'; or LoadCredential=passphrase:PATH), never from the command line or the environment.

            SIGHUP re-reads the --config file and applies active-timeout and log-level without a restart \
            (settings given as flags keep their flag value; other changes, metrics-listen and status-listen \
            among them, are logged as needing a restart); a file that no longer parses is refused and the \
            running settings stay. Under systemd (Type=notify) the controller reports READY, a STATUS line \
            ('5 active / 7 registered nodes, roster v42'), watchdog pings (only while its event loops and \
            certificate renewal keep up) and reloads, logs to the journal with OVERLAY_* fields, and uses \
            sockets passed by socket activation (FileDescriptorName=control, api; any other passed socket \
            is logged and closed, except a Unix socket bound to --socket: taken as control, with a warning).
            """)

    @Option(name: .long, help: ArgumentHelp("TOML config file, e.g. /etc/overlayd/controller.conf.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Keys, certificates and the database. (default: \(ControllerConfiguration.defaultStateDirectory))", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Address for the TLS API. (default: \(ControllerConfiguration.defaultListen))", valueName: "addr:port"))
    var listen: String?

    @Option(help: ArgumentHelp("Address nodes use to reach this controller; repeat for several. Goes into join tokens and the controller certificate.", valueName: "host:port"))
    var advertise: [String] = []

    @Option(help: ArgumentHelp("Control socket for overlayctl. (default: \(ControllerConfiguration.defaultSocket))", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Overlay range, fixed when the network is created. (default: \(ControllerConfiguration.defaultNetwork))", valueName: "cidr"))
    var network: String?

    @Option(help: ArgumentHelp("DNS domain of the network's names: every node answers NAME.<domain> with that node's overlay IP. (default: \(NetworkDomain.defaultDomain))", valueName: "domain"))
    var domain: String?

    @Option(name: .customLong("active-timeout"), help: ArgumentHelp("A node silent this long leaves the active roster. (default: 30s)", valueName: "duration"))
    var activeTimeout: String?

    @Option(name: .customLong("cert-lifetime"), help: ArgumentHelp("Lifetime of the node certificates this controller signs; nodes renew theirs, with a new key, at two thirds of it. (default: \(ControllerConfiguration.defaultCertificateLifetime))", valueName: "duration"))
    var certLifetime: String?

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("File holding the passphrase for the CA key.", valueName: "path"))
    var passphraseFile: String?

    @Option(name: .customLong("metrics-listen"), help: ArgumentHelp("Also serve Prometheus metrics (GET /metrics, plain HTTP) on this address; they are always on the control socket. (default: off)", valueName: "addr:port"))
    var metricsListen: String?

    @Option(name: .customLong("status-listen"), help: ArgumentHelp("Serve the read-only status page (plain HTTP, no login) on this address; keep it on loopback or behind an authenticating proxy. (default: off)", valueName: "addr:port"))
    var statusListen: String?

    @Option(name: .customLong("enroll-rate"), help: ArgumentHelp("Per source address: nonce requests, and enrollment requests, each; over it a client gets 429 with Retry-After. (default: \(ControllerConfiguration.defaultEnrollRate))", valueName: "n/period"))
    var enrollRate: String?

    @Option(name: .customLong("max-connections-per-source"), help: ArgumentHelp("Open connections to the TLS API from one source address; more are closed at once. (default: \(ControllerConfiguration.defaultMaxConnectionsPerSource))", valueName: "n"))
    var maxConnectionsPerSource: Int?

    @Option(name: .customLong("request-read-timeout"), help: ArgumentHelp("A TLS API client must send a whole request (headers and body) within this long, or it is disconnected. (default: \(DurationParser.format(ControllerConfiguration.defaultRequestReadTimeout)))", valueName: "duration"))
    var requestReadTimeout: String?

    @Flag(name: .customLong("recover-registry"), help: ArgumentHelp("controller.db was lost and no backup is left: start with an empty registry that is rebuilt from the certificates nodes present, and let no new node enroll until no certificate from before can still be valid (docs/operations.md, 'When controller.db is lost')."))
    var recoverRegistry = false

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error. (default: info)", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        var flags = ControllerConfiguration.Overrides()
        flags.stateDir = stateDir
        flags.listen = listen
        flags.advertise = advertise
        flags.socket = socket
        flags.network = network
        flags.activeTimeout = activeTimeout
        flags.certificateValidity = certLifetime
        flags.passphraseFile = passphraseFile
        flags.logLevel = logLevel
        flags.metricsListen = metricsListen
        flags.statusListen = statusListen
        flags.domain = domain
        flags.enrollRate = enrollRate
        flags.maxConnectionsPerSource = maxConnectionsPerSource
        flags.requestReadTimeout = requestReadTimeout
        let (configFile, settings, recover) = (config, flags, recoverRegistry)
        do {
            try await DaemonLauncher.run(program: "overlayd-controller",
                                         configuration: {
                                             var c = try ControllerConfiguration.resolve(flags: settings, configFile: configFile)
                                             c.recoverRegistry = recover
                                             return c
                                         },
                                         makeDaemon: { ControllerDaemon(configuration: $0, logger: $1, context: $2) })
        } catch {
            throw ExitCode(error.status)
        }
    }
}
