import Foundation
import Logging
import NIOCore
import NIOPosix
import OverlayCore

/// The node's resolver: UDP and TCP on each of its addresses (the overlay IP
/// for peers and the host, a loopback address for the host alone), all
/// answering from one zone. Nothing else is reachable: the overlay IP is only
/// routed to from inside the overlay, so this can never become an open resolver.
public final class DNSServer: Sendable {
    /// Open TCP connections across all listeners; more are closed at once.
    public static let maxConnections = 128
    /// A TCP connection with no query for this long is closed.
    public static let idleTimeout: TimeAmount = .seconds(10)

    public let zones: DNSZoneBox
    public let counters: DNSQueryCounters
    /// "198.19.0.1:53", "127.53.0.1:53": what the server actually bound.
    public let listening: [String]
    private let channels: [any Channel]

    private init(zones: DNSZoneBox, counters: DNSQueryCounters, listening: [String], channels: [any Channel]) {
        self.zones = zones; self.counters = counters; self.listening = listening; self.channels = channels
    }

    /// Binds every address or none: a failure closes what was already bound.
    public static func start(addresses: [IPv4Address], port: Int, zones: DNSZoneBox = DNSZoneBox(),
                             group: any EventLoopGroup, logger: Logger) async throws(DNSServerError) -> DNSServer {
        let counters = DNSQueryCounters()
        let limiter = DNSConnectionLimiter(limit: maxConnections)
        var channels: [any Channel] = []
        var listening: [String] = []
        for address in addresses {
            let host = address.description
            do {
                // No SO_REUSEADDR on UDP: on Linux it would let this bind share the port with another
                // resolver already there, and one of the two would silently get no queries.
                let udp = try await DatagramBootstrap(group: group)
                    .channelOption(.datagramVectorReadMessageCount, value: 32)
                    .channelOption(.maxMessagesPerRead, value: 32)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DNSDatagramHandler(answerer: DNSAnswerer(zones: zones, counters: counters)))
                        }
                    }
                    .bind(host: host, port: port).get()
                channels.append(udp)
                let boundPort = udp.localAddress?.port ?? port
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        guard limiter.admit(channel) else {
                            counters.refusedConnection()
                            return channel.close()
                        }
                        return channel.eventLoop.makeCompletedFuture {
                            let sync = channel.pipeline.syncOperations
                            try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                            try sync.addHandler(ByteToMessageHandler(DNSStreamFrameDecoder()))
                            try sync.addHandler(DNSStreamHandler(answerer: DNSAnswerer(zones: zones, counters: counters)))
                        }
                    }
                    .bind(host: host, port: boundPort).get()
                channels.append(tcp)
                listening.append("\(host):\(boundPort)")
            } catch {
                for c in channels { try? await c.close() }
                throw DNSServerError.cannotBind(address: "\(host):\(port)", reason: "\(error)")
            }
        }
        logger.notice("resolver listening", metadata: ["event": "dns-listening", "dns_listen": "\(listening.joined(separator: ","))"])
        return DNSServer(zones: zones, counters: counters, listening: listening, channels: channels)
    }

    public func close() async {
        for c in channels { try? await c.close() }
    }

    /// Before enrolling: a node that will not be able to bind its port stops while its token is still unspent.
    public static func preflight(port: Int) throws(DNSServerError) {
        guard port < 1024 else { return }
        let unprivilegedStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1024
        if port >= unprivilegedStart { return }
        if Self.hasEffectiveCapability(10 /* CAP_NET_BIND_SERVICE */) { return }
        throw .needsPrivilege(port: port)
    }

    /// Reads CapEff from /proc/self/status: root without the capability (a bounding set) is not enough.
    static func hasEffectiveCapability(_ bit: Int) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return getuid() == 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
            guard let mask = UInt64(hex, radix: 16) else { return false }
            return mask & (1 << UInt64(bit)) != 0
        }
        return false
    }
}

public enum DNSServerError: Error, CustomStringConvertible {
    case cannotBind(address: String, reason: String)
    case needsPrivilege(port: Int)

    public var description: String {
        switch self {
        case .cannotBind(let address, let reason):
            return "cannot open the resolver on \(address): \(reason); another DNS server may hold the port there "
                + "(ss -lunp 'sport = :53'), or choose another with dns-port / dns-loopback, or turn the resolver off with --dns off"
        case .needsPrivilege(let port):
            return "the resolver's port \(port) needs CAP_NET_BIND_SERVICE (the shipped unit grants it; run as root, "
                + "or give the binary the capability), or use --dns-port 5353 and point clients there, or --dns off"
        }
    }
}
