import Foundation
import OverlayProtocol

/// Turns a matrix snapshot and the active nodes into the `MeshView` that
/// `overlayctl mesh`, `/v1/mesh` and the status page read. Pure: no lock,
/// no clock beyond `now`. The pairs can be collected (`build`) or handed
/// out one at a time (`walk`), so a million-pair answer can be written
/// without holding a million values.
struct MeshViewBuilder {
    struct Node {
        var name: String
        var overlayIP: String
        var lastSeen: Date? = nil
        var pollGap: TimeInterval? = nil
    }

    let snapshot: MeshMatrix.Snapshot
    let active: [Node]
    var now = Date()

    /// A node silent for more than two of its declared poll intervals (and a second) has stopped reporting: it
    /// is cut off or frozen, and what it last said about its peers is not the state of the mesh now.
    static func isSilent(lastSeen: Date?, gap: TimeInterval?, now: Date) -> Bool {
        guard let lastSeen, let gap, gap > 0 else { return false }
        return now.timeIntervalSince(lastSeen) > max(2 * gap + 1, 3)
    }

    func build(rosterVersion: String, now: Date, brokenOnly: Bool) -> MeshView {
        var pairs: [MeshPair] = []
        let nodes = walk(brokenOnly: brokenOnly) { pairs.append($0) }
        return MeshView(rosterVersion: rosterVersion, generatedAt: now, pairs: pairs, nodes: nodes)
    }

    /// Calls `emit` for every ordered pair between active nodes, sorted by `from` then `to`, or with
    /// `brokenOnly` just those that are not up (`down`, and `unknown` from a node that has reported at all:
    /// a node that never reported is one `no-report` flag, not N-1 unknown pairs). Returns the node summaries.
    func walk(brokenOnly: Bool, _ emit: (MeshPair) -> Void) -> [MeshNodeSummary] {
        let nodes = active.sorted { $0.name < $1.name }
        let numbers = nodes.map { snapshot.numbers[$0.name] }
        let silent = nodes.map { Self.isSilent(lastSeen: $0.lastSeen, gap: $0.pollGap, now: now) }
        // A silent node's last report is not the mesh now: its own pairs are unknown, its word counts for nothing.
        let rows = numbers.indices.map { i in silent[i] ? nil : numbers[i].flatMap { snapshot.rows[$0] } }
        let count = nodes.count

        func state(_ a: Int, _ b: Int) -> MeshPair.State {
            guard let row = rows[a], let peer = numbers[b] else { return .unknown }
            if row.isUp(peer) { return .up }
            return row.exceptions[peer]?.state ?? .unknown
        }

        var reachableBy = [Int](repeating: 0, count: count)
        var reaches = [Int](repeating: 0, count: count)
        var seenDownBy = [Bool](repeating: false, count: count)
        var asymmetric = [Bool](repeating: false, count: count)
        for a in 0..<count {
            for b in 0..<count where a != b {
                var isAsymmetric = false
                let s = state(a, b)
                switch s {
                case .up:
                    reaches[a] += 1
                    reachableBy[b] += 1
                case .down:
                    seenDownBy[b] = true
                    if state(b, a) == .up {
                        isAsymmetric = true
                        asymmetric[a] = true
                        asymmetric[b] = true
                    }
                case .unknown:
                    break
                }
                guard !brokenOnly || s == .down || (s == .unknown && rows[a] != nil) else { continue }
                let peer = numbers[b].map(Int.init)
                let exception = numbers[b].flatMap { rows[a]?.exceptions[$0] }
                let rtt: Float? = s == .up ? rows[a]!.upRTT[peer!] : exception?.rttMs
                emit(MeshPair(from: nodes[a].name, to: nodes[b].name, state: s,
                              rttMs: rtt.map { (Double($0) * 1000).rounded() / 1000 },
                              since: exception?.since, asymmetric: isAsymmetric, lastError: exception?.lastError))
            }
        }
        return nodes.indices.map { i -> MeshNodeSummary in
            var flags: [MeshNodeSummary.Flag] = []
            if reachableBy[i] == 0 && seenDownBy[i] && !silent[i] { flags.append(.unreachableByPeers) }
            if asymmetric[i] { flags.append(.asymmetric) }
            if silent[i] { flags.append(.notReporting) } else if rows[i] == nil { flags.append(.noReport) }
            return MeshNodeSummary(name: nodes[i].name, overlayIP: nodes[i].overlayIP, reachableBy: reachableBy[i],
                                   reaches: reaches[i], peers: count - 1, flags: flags, silentSince: silent[i] ? nodes[i].lastSeen : nil)
        }
    }
}
