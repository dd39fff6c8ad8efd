import Foundation
import NIOConcurrencyHelpers
import OverlayCore
import OverlayDataPlane
import OverlayProtocol

/// Keeps the data plane's peers equal to the active roster (a peer that left
/// or was removed loses its keys at the next tick after the poll that showed
/// it) and retires keys past their lifetime.
struct DataPlaneSync: Sendable {
    let plane: DataPlane
    let roster: RosterCache
    let selfName: String
    /// Short against the roster interval: the roster decides when, this only adds up to one tick.
    static let tick: TimeInterval = 0.25

    struct State {
        /// The roster version last applied.
        var applied: String?
        /// Peers' data endpoints by "host:port": a name is resolved once, and a failed lookup keeps the last answer.
        var resolved: [String: DataEndpoint] = [:]
    }

    /// One lock from reading the roster to applying it: the loop and handshakes that sync at once
    /// (DataKeyExporter) can never apply an older version after a newer one.
    private let state = NIOLockedValueBox(State())

    init(plane: DataPlane, roster: RosterCache, selfName: String) {
        self.plane = plane; self.roster = roster; self.selfName = selfName
    }

    func run() async {
        var ticks = 0
        while !Task.isCancelled {
            syncNow()
            ticks += 1
            if ticks % 4 == 0 { plane.expireKeys() }
            do { try await Task.sleep(nanoseconds: UInt64(Self.tick * 1e9)) } catch { return }
        }
    }

    /// Applies the roster's current version if the plane has not seen it yet.
    func syncNow() {
        state.withLockedValue { s in
            let snapshot = roster.snapshot
            guard let version = snapshot.version, version != s.applied else { return }
            let specs = snapshot.entries.values.filter { $0.name != selfName }.compactMap { entry -> DataPeerSpec? in
                guard let ip = IPv4Address(entry.overlayIP) else { return nil }
                return DataPeerSpec(name: entry.name, overlayIP: ip, fingerprint: entry.fingerprint,
                                    endpoint: endpoint(of: entry, cache: &s.resolved))
            }
            plane.updatePeers(specs)
            s.applied = version
        }
    }

    /// The entry's data endpoint: its roster host with its data port; nil when it has no data plane.
    /// Literal addresses cost nothing; a host name is looked up when first seen (in the
    /// family of the data sockets) and its last good answer is kept if a later lookup fails.
    private func endpoint(of entry: RosterEntry, cache: inout [String: DataEndpoint]) -> DataEndpoint? {
        guard let port = entry.dataPort, let hostPort = try? HostPort(parsing: entry.endpoint) else { return nil }
        if let literal = DataEndpoint(host: hostPort.host, port: port) { return literal }
        let key = "\(hostPort.host):\(port)"
        if let known = cache[key] { return known }
        let found = DataEndpoint.resolve(host: hostPort.host, port: port, family: plane.addressFamily)
        if let found { cache[key] = found }
        return found
    }
}
