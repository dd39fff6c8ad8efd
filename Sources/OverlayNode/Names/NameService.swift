import Foundation
import Logging
import NIOConcurrencyHelpers
import OverlayCore
import OverlayDNS
import OverlayProtocol

/// The node's names: keeps the resolver's zone equal to the active roster and
/// the host's wiring (systemd-resolved or the hosts file) in step with it.
/// The wiring's calls block (D-Bus, fsync), so they run on a queue of their own
/// and a slow resolved never holds up the zone the resolver answers from.
final class NameService: Sendable {
    let server: DNSServer
    let wiring: (any HostNameWiring)?
    /// "resolved on ovl0", "hosts file /etc/hosts" or "none", for status and logs.
    let hostDescription: String
    let roster: RosterCache
    let network: IPv4Network
    let logger: Logger
    /// Short against the roster interval: the roster decides when, this adds at most one tick.
    static let tick: TimeInterval = 0.25

    struct State {
        var appliedVersion: String?
        var serial: UInt32 = 0
        var names = 0
        /// The wiring's last failure, shown in `overlayctl status`; logged only when it changes.
        var hostError: String?
        /// False until the wiring was first tried: its first success is logged too.
        var hostTried = false
    }

    private let state = NIOLockedValueBox(State())
    private let hostQueue = DispatchQueue(label: "overlayd.dns-host")

    init(server: DNSServer, wiring: (any HostNameWiring)?, hostDescription: String, roster: RosterCache, network: IPv4Network,
         logger: Logger) {
        self.server = server; self.wiring = wiring; self.hostDescription = hostDescription
        self.roster = roster; self.network = network; self.logger = logger
    }

    func run() async {
        while !Task.isCancelled {
            if let zone = nextZone() {
                server.zones.publish(zone)
                if let wiring { await apply(zone, to: wiring) }
            }
            do { try await Task.sleep(nanoseconds: UInt64(Self.tick * 1e9)) } catch { return }
        }
    }

    /// The zone for the roster's current version, or nil when it was already built.
    private func nextZone() -> DNSZone? {
        let snapshot = roster.snapshot
        return state.withLockedValue { s -> DNSZone? in
            guard let version = snapshot.version, version != s.appliedVersion else { return nil }
            var nodes: [String: IPv4Address] = [:]
            for entry in snapshot.entries.values {
                if let ip = IPv4Address(entry.overlayIP) { nodes[entry.name] = ip }
            }
            // Seconds since 1970 keep the serial rising across restarts; +1 keeps it rising within a second.
            let now = UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
            let serial = max(now, s.serial &+ 1)
            let domain = snapshot.domain ?? NetworkDomain.defaultDomain
            do {
                let zone = try DNSZone(domain: domain, network: network, nodes: nodes, serial: serial)
                s.appliedVersion = version
                s.serial = serial
                s.names = nodes.count
                return zone
            } catch {
                if s.appliedVersion != version {
                    logger.error("the roster's domain cannot be served", metadata: [
                        "event": "dns-zone-refused", "domain": "\(domain)", "error": "\(error)"])
                }
                s.appliedVersion = version
                return nil
            }
        }
    }

    private func apply(_ zone: DNSZone, to wiring: any HostNameWiring) async {
        let failure: String? = await withCheckedContinuation { (done: CheckedContinuation<String?, Never>) in
            hostQueue.async {
                do {
                    try wiring.apply(zone: zone)
                    done.resume(returning: nil)
                } catch {
                    done.resume(returning: "\(error)")
                }
            }
        }
        let changed = state.withLockedValue { s -> Bool in
            defer { s.hostError = failure; s.hostTried = true }
            return !s.hostTried || s.hostError != failure
        }
        guard changed else { return }
        if let failure {
            logger.error("the host cannot look up overlay names", metadata: [
                "event": "dns-host-failed", "dns_host": "\(hostDescription)", "error": "\(failure)"])
        } else {
            logger.notice("the host looks up overlay names through \(hostDescription)", metadata: [
                "event": "dns-host-wired", "dns_host": "\(hostDescription)", "domain": "\(zone.domain)"])
        }
    }

    /// On exit: the host forgets the names before the TUN (and the resolver) go away.
    func stop() async {
        if let wiring {
            let failure: String? = await withCheckedContinuation { (done: CheckedContinuation<String?, Never>) in
                hostQueue.async {
                    do { try wiring.remove(); done.resume(returning: nil) } catch { done.resume(returning: "\(error)") }
                }
            }
            if let failure {
                logger.warning("could not undo the host's name wiring", metadata: [
                    "event": "dns-host-remove-failed", "dns_host": "\(hostDescription)", "error": "\(failure)"])
            }
        }
        await server.close()
    }

    func status(search: Bool) -> NodeDNSStatus {
        let s = state.withLockedValue { $0 }
        var queries: [String: UInt64] = [:]
        for (outcome, n) in server.counters.all { queries[outcome.rawValue] = n }
        return NodeDNSStatus(domain: server.zones.zone?.domain, listen: server.listening, host: hostDescription,
                             hostError: s.hostError, search: search, names: s.names, queries: queries)
    }
}
