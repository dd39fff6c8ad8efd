import OverlayDataPlane
import OverlayProtocol

extension DataPlaneSummary {
    init(_ s: DataPlaneStatus, rekey: Double) {
        let ages = s.peers.compactMap(\.sendKeyAge)
        self.init(tun: s.interface, mtu: s.mtu, queues: s.queues, dataPort: s.listenPort, cipher: s.cipher,
                  rekeyIntervalSeconds: rekey, newestKeyAgeSeconds: ages.min(), oldestKeyAgeSeconds: ages.max(),
                  keyInstalls: s.keyChanges, drops: Dictionary(uniqueKeysWithValues: s.drops.map { ($0.reason, $0.count) }))
    }
}

extension PeerDataStatus {
    init(_ p: DataPlaneStatus.Peer) {
        self.init(endpoint: p.endpoint, txPackets: p.txPackets, txBytes: p.txBytes, rxPackets: p.rxPackets, rxBytes: p.rxBytes,
                  lastTxSecondsAgo: p.lastTxAgo, lastRxSecondsAgo: p.lastRxAgo, sendKeyAgeSeconds: p.sendKeyAge,
                  receiveKeys: p.receiveKeys)
    }
}

extension [PeerStatus] {
    /// Each peer's health with its data traffic added (unchanged without a data plane).
    func withData(_ status: DataPlaneStatus?) -> [PeerStatus] {
        guard let status else { return self }
        let byName = Dictionary(status.peers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return map { peer in
            var p = peer
            p.data = byName[peer.name].map(PeerDataStatus.init) ?? PeerDataStatus(
                endpoint: nil, txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0, lastTxSecondsAgo: nil, lastRxSecondsAgo: nil,
                sendKeyAgeSeconds: nil, receiveKeys: 0)
            return p
        }
    }
}
