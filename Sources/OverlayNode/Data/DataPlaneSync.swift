import Foundation
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

    func run() async {
        var applied: String?
        var ticks = 0
        while !Task.isCancelled {
            let snapshot = roster.snapshot
            if let version = snapshot.version, version != applied {
                applied = version
                plane.updatePeers(Self.specs(snapshot.entries.values, selfName: selfName))
            }
            ticks += 1
            if ticks % 4 == 0 { plane.expireKeys() }
            do { try await Task.sleep(nanoseconds: UInt64(Self.tick * 1e9)) } catch { return }
        }
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
