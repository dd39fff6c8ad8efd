import ArgumentParser
import Foundation
import OverlayCore
import OverlayProtocol

struct Peers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every peer with state, RTT and last PONG, and the overlay traffic with it (node).",
        discussion: "TX and RX are overlay packets and bytes (inner, before encryption) sent to and received from the peer; LAST DATA is the newest packet either way; KEY is the age of the key packets to it are sealed with.")
    @OptionGroup var socket: SocketOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await perform {
            let conn = try await SocketOptions.connect(try socket.nodePath())
            if output.json { printJSON(try await conn.request(.GET, "/v1/peers").body); return }
            let reply = try await conn.json(.GET, "/v1/peers", as: PeersResponse.self)
            let data = reply.peers.contains { $0.data != nil }
            var table = Table(header: ["NAME", "OVERLAY IP", "ENDPOINT", "STATE", "RTT", "SRTT", "LAST PONG", "FAILS"]
                + (data ? ["TX", "RX", "LAST DATA", "KEY"] : []) + ["LAST ERROR"])
            for p in reply.peers {
                var row = [Format.fullName(p.name, reply.domain), p.overlayIP, p.endpoint, p.state, Format.ms(p.rttMs), Format.ms(p.smoothedRttMs),
                           Format.ago(p.lastPong), String(p.consecutiveFailures)]
                if data {
                    let d = p.data
                    row += [Format.traffic(d?.txPackets, d?.txBytes), Format.traffic(d?.rxPackets, d?.rxBytes),
                            Format.secondsAgo([d?.lastTxSecondsAgo, d?.lastRxSecondsAgo].compactMap { $0 }.min()),
                            d?.sendKeyAgeSeconds.map { DurationParser.format($0.rounded()) } ?? "none"]
                }
                table.rows.append(row + [p.lastError ?? "-"])
            }
            print(table.render())
        }
    }
}

struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "PING one peer now and print each RTT (node).")
    @OptionGroup var socket: SocketOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Peer name.") var name: String
    @Option(help: "How many PINGs.") var count = 3

    func validate() throws {
        guard (1...100).contains(count) else { throw ValidationError("--count must be 1–100") }
    }

    func run() async throws {
        try await perform {
            let conn = try await SocketOptions.connect(try socket.nodePath())
            let reply = try await conn.json(.POST, "/v1/ping", body: PingRequest(name: name, count: count), as: PingResponse.self)
            if output.json { printJSON(OverlayJSON.encode(reply, pretty: true)); return }
            for r in reply.results {
                if let rtt = r.rttMs {
                    print("PONG from \(reply.name) (\(reply.endpoint)): seq=\(r.seq) rtt=\(String(format: "%.3f", rtt)) ms")
                } else {
                    print("no PONG from \(reply.name) (\(reply.endpoint)): seq=\(r.seq) \(r.error ?? "")")
                }
            }
            if reply.results.contains(where: { $0.rttMs == nil }) { throw ExitCode.failure }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's status: the controller's network, or the node's identity, reachability and the intervals in effect.")
    @OptionGroup var socket: SocketOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await perform {
            let path: String
            let isNode: Bool
            if let s = socket.socket {
                path = s
                isNode = !s.hasSuffix("controller.sock")
            } else if socket.node == nil, FileManager.default.fileExists(atPath: SocketOptions.controllerSocket) {
                path = SocketOptions.controllerSocket; isNode = false
            } else {
                path = try socket.nodePath(); isNode = true
            }
            let conn = try await SocketOptions.connect(path)
            let response = try await conn.request(.GET, "/v1/status")
            if output.json { printJSON(response.body); return }
            if isNode, let s = try? OverlayJSONBridge.decodeReply(response, as: NodeStatus.self) {
                print("""
                    node:        \(s.name)
                    overlay IP:  \(s.overlayIP) (network \(s.network))
                    listen:      \(s.listen)
                    controller:  \(s.controller) (\(s.controllerReachable ? "reachable" : "UNREACHABLE"), last roster \(Format.ago(s.lastRosterAt)))
                    roster:      version \(s.rosterVersion ?? "-") (\(s.rosterPolls) polls over \(s.controllerConnections) TLS connection(s))
                    peers:       \(s.peersUp)/\(s.peers) up (\(s.peerConnections) connections; \(s.peerConnectionsDialed) dialed, \(s.peerConnectionsAccepted) accepted)
                    reachable:   \(Format.reachability(s))
                    timers:      \(Format.timers(s.timers))
                    data plane:  \(Format.dataPlane(s.dataPlane))
                    names:       \(Format.dns(s.dns))
                    certificate: \(Format.certificate(s.certificate))
                    uptime:      \(DurationParser.format(s.uptimeSeconds))
                    """)
            } else {
                let s = try OverlayJSONBridge.decodeReply(response, as: ControllerStatus.self)
                print("""
                    network:     \(s.network)
                    CA sha256:   \(s.caFingerprint)
                    listen:      \(s.listen) (advertised as \(s.advertise.joined(separator: ", ")))
                    nodes:       \(s.activeNodes) active / \(s.registeredNodes) registered (active timeout \(DurationParser.format(s.activeTimeoutSeconds)))
                    roster:      version \(s.rosterVersion)
                    uptime:      \(DurationParser.format(s.uptimeSeconds))
                    """)
                if let until = s.registryRecoveryUntil {
                    print("recovery:    REBUILDING THE REGISTRY after a lost database: nodes re-register as they poll; new nodes enroll from \(ISO8601DateFormatter().string(from: until)) (or after 'overlayctl ca rotate' and 'ca retire')")
                }
            }
        }
    }
}
