import Foundation
import OverlayProtocol

/// A stand-in for the health-report matrix: every ordered pair between active
/// nodes, all `unknown`, every node flagged `no-report`. It knows the roster
/// and nothing the nodes measured. Replaced by the real matrix where
/// `ControllerDaemon` builds its `MeshViewProviding`.
struct RosterOnlyMeshPlaceholder: MeshViewProviding {
    let roster: Roster

    func meshView() async -> MeshView {
        let version = roster.currentVersion()
        let active = roster.listing().filter(\.active).sorted { $0.name < $1.name }
        var pairs: [MeshPair] = []
        pairs.reserveCapacity(active.count * max(0, active.count - 1))
        for from in active {
            for to in active where to.name != from.name {
                pairs.append(MeshPair(from: from.name, to: to.name, state: .unknown, rttMs: nil, since: nil,
                                      asymmetric: false, lastError: nil))
            }
        }
        let nodes = active.map {
            MeshNodeSummary(name: $0.name, overlayIP: $0.overlayIP, reachableBy: 0, reaches: 0,
                            peers: active.count - 1, flags: [.noReport])
        }
        return MeshView(rosterVersion: version, generatedAt: Date(), pairs: pairs, nodes: nodes)
    }

    func brokenPairCount() async -> Int { 0 }
}
