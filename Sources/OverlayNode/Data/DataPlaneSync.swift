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
    /// The roster version last applied (shared by the loop and handshakes that sync at once).
    private let applied = NIOLockedValueBox<String?>(nil)

    init(plane: DataPlane, roster: RosterCache, selfName: String) {
        self.plane = plane; self.roster = roster; self.selfName = selfName
    }
    /// Short against the roster interval: the roster decides when, this only adds up to one tick.
    static let tick: TimeInterval = 0.25

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
        let snapshot = roster.snapshot
        guard let version = snapshot.version else { return }
        let stale = applied.withLockedValue { seen -> Bool in
            defer { seen = version }
            return seen != version
        }
        if stale { plane.updatePeers(Self.specs(snapshot.entries.values, selfName: selfName)) }
    }

    static func specs(_ entries: some Sequence<RosterEntry>, selfName: String) -> [DataPeerSpec] {
        entries.filter { $0.name != selfName }.map { entry in
            var endpoint: DataEndpoint?
            if let port = entry.dataPort, let hostPort = try? HostPort(parsing: entry.endpoint) {
                endpoint = DataEndpoint.resolve(host: hostPort.host, port: port)
            }
            return DataPeerSpec(name: entry.name, overlayIP: entry.overlayIP, fingerprint: entry.fingerprint, endpoint: endpoint)
        }
    }
}
