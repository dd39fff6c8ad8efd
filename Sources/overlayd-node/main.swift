import ArgumentParser
import Foundation
import OverlayCore
import OverlayNode

@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlayd-node",
        abstract: "An overlayd node: joins the network, keeps the roster, PINGs every active peer over mutual TLS, and carries IP traffic between overlay IPs on a TUN interface.",
        discussion: """
            Data plane: the node creates the TUN interface --tun (default ovl0) with its overlay IP, and \
            sends each IP packet for another active node's overlay IP to that node over UDP (--data-listen, \
            by default the peer listen address and port), encrypted with keys exported from the mutual-TLS \
            session the two nodes hold (a fresh session, so fresh keys, every --rekey-interval). This needs \
            CAP_NET_ADMIN and /dev/net/tun (the shipped unit grants exactly these); --no-tun runs a \
            control-plane-only node with neither. The interface is removed when the node exits, also \
            when it is killed.

            Names: the node answers DNS for NAME.<domain> (the controller's --domain, default overlay.internal) \
            and for its overlay IPs' reverse names, on its overlay IP and on a loopback address (127.53.X.Y), \
            port 53, UDP and TCP; anything else is refused. It registers that resolver with systemd-resolved for \
            the domain on its TUN link, or, where resolved does not run, keeps a marked block in /etc/hosts; both \
            are undone on exit. Port 53 needs CAP_NET_BIND_SERVICE (the shipped unit grants it); --dns off turns \
            all of this off.

            Certificate: it lives as long as the controller's --cert-lifetime (default 7 days); the node renews \
            it at about two thirds of that, with a new key, over its mutual-TLS connection to the controller, and \
            keeps its name and overlay IP. A node whose certificate expired while it was stopped needs a new token.

            First start: give --join-token (from 'overlayctl token create' on the controller). The node makes \
            its key (encrypted with the passphrase), enrolls, and stores its certificate in --state-dir; later \
            starts need no token. Every option can also be set in the --config file (TOML, same names, e.g. \
            /etc/overlayd/node/alice.conf); flags win. Durations read as 500ms, 10s, 5m, 1h.

            The key passphrase comes from --passphrase-file or the systemd credential 'passphrase' \
            (LoadCredentialEncrypted=passphrase:..., made with 'systemd-creds encrypt'), never from the \
            command line or the environment.

            SIGHUP re-reads the --config file and applies roster-interval, ping-interval, ping-timeout, \
            report-rtt-floor and log-level without a restart (settings given as flags keep their flag value; \
            other changes, metrics-listen among them, are logged as needing a restart); a file that no \
            longer parses is refused and the running settings stay. Under systemd (Type=notify) the node \
            reports READY, a STATUS line ('3/3 peers up, roster v42'), watchdog pings (only while its event \
            loops, ping loop and roster poller keep up) and reloads, logs to the journal with OVERLAY_* \
            fields, and uses sockets passed by socket activation (FileDescriptorName=control, peer; any \
            other passed socket is logged and closed, except a Unix socket bound to --socket: taken as \
            control, with a warning).
            """)

    @Option(help: ArgumentHelp("TOML config file, e.g. /etc/overlayd/node/alice.conf.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("This node's name: a DNS label (a-z, 0-9, '-'), 1-63 characters.", valueName: "name"))
    var name: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Key, certificate, CA. (default: /var/lib/overlayd/node/NAME)", valueName: "dir"))
    var stateDir: String?

    @Option(name: .customLong("join-token"), help: ArgumentHelp("Join token for the first start.", valueName: "token"))
    var joinToken: String?

    @Option(name: .customLong("request-ip"), help: ArgumentHelp("Overlay IP to ask for at enrollment (it must be free and in the network); default: the controller picks.", valueName: "ipv4"))
    var requestIP: String?

    @Option(help: ArgumentHelp("Address peers connect to. (default: \(NodeConfiguration.defaultListen))", valueName: "addr:port"))
    var listen: String?

    @Option(help: ArgumentHelp("Endpoint peers should use, if not the address the controller sees with the listen port.", valueName: "host:port"))
    var advertise: String?

    @Option(help: ArgumentHelp("Controller address, overriding the one stored at enrollment.", valueName: "host:port"))
    var controller: String?

    @Option(help: ArgumentHelp("Control socket for overlayctl. (default: /run/overlayd/node-NAME.sock)", valueName: "path"))
    var socket: String?

    @Option(name: .customLong("passphrase-file"), help: ArgumentHelp("File holding the passphrase for the node key.", valueName: "path"))
    var passphraseFile: String?

    @Option(name: .customLong("roster-interval"), help: ArgumentHelp("How often to fetch the roster (heartbeat); a poll waits this long at most (1s to 10s). (default: 10s)", valueName: "duration"))
    var rosterInterval: String?

    @Option(name: .customLong("ping-interval"), help: ArgumentHelp("How often to PING every peer; one that joins or moves is PINGed at once. (default: 15s)", valueName: "duration"))
    var pingInterval: String?

    @Option(name: .customLong("ping-timeout"), help: ArgumentHelp("Bound on one PING exchange, connect included. (default: the smaller of 5s and the ping interval)", valueName: "duration"))
    var pingTimeout: String?

    @Option(name: .customLong("peer-connections"), help: ArgumentHelp("persistent: keep one verified connection per peer; per-round: a fresh handshake per peer every round. (default: persistent)", valueName: "mode"))
    var peerConnections: String?

    @Option(name: .customLong("report-rtt-floor"), help: ArgumentHelp("Smallest change in a peer's smoothed RTT reported to the controller (the change must also exceed 25 %). (default: 1ms)", valueName: "duration"))
    var reportRTTFloor: String?

    @Option(name: .customLong("metrics-listen"), help: ArgumentHelp("Also serve Prometheus metrics (GET /metrics, plain HTTP) on this address; they are always on the control socket. (default: off)", valueName: "addr:port"))
    var metricsListen: String?

    @Option(help: ArgumentHelp("TUN interface for overlay traffic, or 'off'. (default: ovl0)", valueName: "name"))
    var tun: String?

    @Flag(name: .customLong("no-tun"), help: "No TUN interface and no data plane: a control-plane-only node (needs no privilege; the same as --tun off).")
    var noTun = false

    @Option(help: ArgumentHelp("MTU of the TUN interface; 1420 leaves room for the 80 bytes of IPv6, UDP and overlay headers on a 1500-byte path. (default: 1420)", valueName: "bytes"))
    var mtu: Int?

    @Option(name: .customLong("data-listen"), help: ArgumentHelp("UDP address for encrypted overlay traffic. (default: the --listen address and port)", valueName: "addr:port"))
    var dataListen: String?

    @Option(name: .customLong("tun-queues"), help: ArgumentHelp("TUN queues, each with a send and a receive thread. (default: the number of cores, at most 4)", valueName: "n"))
    var tunQueues: Int?

    @Option(name: .customLong("rekey-interval"), help: ArgumentHelp("A fresh TLS session, so fresh data keys, with every peer this often; keys are refused 1.5 times this long after they were made. (default: 2m)", valueName: "duration"))
    var rekeyInterval: String?

    @Option(help: ArgumentHelp("Answer DNS for NAME.<domain> and wire it into the host: on or off. (default: on)", valueName: "on|off"))
    var dns: String?

    @Option(name: .customLong("dns-port"), help: ArgumentHelp("Port of the resolver, on the overlay IP and the loopback address. (default: 53)", valueName: "port"))
    var dnsPort: Int?

    @Option(name: .customLong("dns-loopback"), help: ArgumentHelp("Loopback address the resolver also listens on for this host, or 'off'. (default: 127.53.X.Y, X.Y the low 16 bits of the overlay IP)", valueName: "addr"))
    var dnsLoopback: String?

    @Option(name: .customLong("dns-host"), help: ArgumentHelp("How the host's own lookups reach the names: auto (systemd-resolved when it runs, else the hosts file), resolved, hosts, none. (default: auto)", valueName: "how"))
    var dnsHost: String?

    @Flag(name: .customLong("dns-search"), help: "Also make the domain a search domain, so 'ssh bob' finds bob.<domain>.")
    var dnsSearch = false

    @Option(name: .customLong("hosts-file"), help: ArgumentHelp("The hosts file the node keeps its block in when systemd-resolved does not run. (default: /etc/hosts)", valueName: "path"))
    var hostsFile: String?

    @Option(name: .customLong("peer-handshake-rate"), help: ArgumentHelp("New peer connections (each a TLS handshake) per source address; more are closed before the handshake. (default: \(NodeConfiguration.defaultPeerHandshakeRate))", valueName: "n/period"))
    var peerHandshakeRate: String?

    @Option(name: .customLong("max-peer-connections-per-source"), help: ArgumentHelp("Open peer connections from one source address; more are closed at once. (default: \(NodeConfiguration.defaultMaxPeerConnectionsPerSource))", valueName: "n"))
    var maxPeerConnectionsPerSource: Int?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error. (default: info)", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        var flags = NodeConfiguration.Overrides()
        flags.name = name
        flags.stateDir = stateDir
        flags.joinToken = joinToken
        flags.requestIP = requestIP
        flags.listen = listen
        flags.advertise = advertise
        flags.controller = controller
        flags.socket = socket
        flags.passphraseFile = passphraseFile
        flags.rosterInterval = rosterInterval
        flags.pingInterval = pingInterval
        flags.pingTimeout = pingTimeout
        flags.peerConnections = peerConnections
        flags.logLevel = logLevel
        flags.reportRTTFloor = reportRTTFloor
        flags.metricsListen = metricsListen
        flags.tun = noTun ? "off" : tun
        flags.mtu = mtu
        flags.dataListen = dataListen
        flags.tunQueues = tunQueues
        flags.rekeyInterval = rekeyInterval
        flags.dns = dns
        flags.dnsPort = dnsPort
        flags.dnsLoopback = dnsLoopback
        flags.dnsHost = dnsHost
        flags.dnsSearch = dnsSearch ? true : nil
        flags.hostsFile = hostsFile
        flags.peerHandshakeRate = peerHandshakeRate
        flags.maxPeerConnectionsPerSource = maxPeerConnectionsPerSource
        let (configFile, settings) = (config, flags)
        do {
            try await DaemonLauncher.run(program: "overlayd-node",
                                         configuration: { try NodeConfiguration.resolve(flags: settings, configFile: configFile) },
                                         makeDaemon: { NodeDaemon(configuration: $0, logger: $1, context: $2) })
        } catch {
            throw ExitCode.failure
        }
    }
}
