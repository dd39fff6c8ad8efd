import Foundation
import OverlayProtocol

/// Turns a matrix snapshot and the active nodes into the `MeshView` that
/// `overlayctl mesh`, `/v1/mesh` and the status page read. Pure: no lock,
/// no clock beyond `now`.
struct MeshViewBuilder {
    struct Node {
        var name: String
        var overlayIP: String
    }

    let snapshot: MeshMatrix.Snapshot
    let active: [Node]

    /// Every ordered pair between active nodes, or with `brokenOnly` just those that are not up
    /// (`down`, and `unknown` from a node that has reported at all: a node that never reported is
    /// one `no-report` flag, not N-1 unknown pairs).
    func build(rosterVersion: String, now: Date, brokenOnly: Bool) -> MeshView {
        let nodes = active.sorted { $0.name < $1.name }
        let numbers = nodes.map { snapshot.numbers[$0.name] }
        let rows = numbers.map { n in n.flatMap { snapshot.rows[$0] } }
        let count = nodes.count

        func pair(_ a: Int, _ b: Int) -> (state: MeshPair.State, rtt: Float?, exception: MeshMatrix.Exception?) {
            guard let row = rows[a], let peer = numbers[b] else { return (.unknown, nil, nil) }
            if row.isUp(peer) { return (.up, row.upRTT[Int(peer)], nil) }
            if let e = row.exceptions[peer] { return (e.state, e.rttMs, e) }
            return (.unknown, nil, nil)
        }

        var reachableBy = [Int](repeating: 0, count: count)
        var reaches = [Int](repeating: 0, count: count)
        var seenDownBy = [Bool](repeating: false, count: count)
        var asymmetric = [Bool](repeating: false, count: count)
        var pairs: [MeshPair] = []
        if !brokenOnly { pairs.reserveCapacity(count * max(0, count - 1)) }
        for a in 0..<count {
            for b in 0..<count where a != b {
                let p = pair(a, b)
                var isAsymmetric = false
                switch p.state {
                case .up:
                    reaches[a] += 1
                    reachableBy[b] += 1
                case .down:
                    seenDownBy[b] = true
                    if pair(b, a).state == .up {
                        isAsymmetric = true
                        asymmetric[a] = true
                        asymmetric[b] = true
                    }
                case .unknown:
                    break
                }
                let include = !brokenOnly || p.state == .down || (p.state == .unknown && rows[a] != nil)
                guard include else { continue }
                pairs.append(MeshPair(from: nodes[a].name, to: nodes[b].name, state: p.state,
                                      rttMs: p.rtt.map { (Double($0) * 1000).rounded() / 1000 },
                                      since: p.exception?.since, asymmetric: isAsymmetric, lastError: p.exception?.lastError))
            }
        }
        let summaries = nodes.indices.map { i -> MeshNodeSummary in
            var flags: [MeshNodeSummary.Flag] = []
            if reachableBy[i] == 0 && seenDownBy[i] { flags.append(.unreachableByPeers) }
            if asymmetric[i] { flags.append(.asymmetric) }
            if rows[i] == nil { flags.append(.noReport) }
            return MeshNodeSummary(name: nodes[i].name, overlayIP: nodes[i].overlayIP, reachableBy: reachableBy[i],
                                   reaches: reaches[i], peers: count - 1, flags: flags)
        }
        return MeshView(rosterVersion: rosterVersion, generatedAt: now, pairs: pairs, nodes: summaries)
    }
}
