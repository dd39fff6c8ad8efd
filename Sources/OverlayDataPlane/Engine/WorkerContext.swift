import Synchronization

/// What every worker thread shares: the published tables, the counters, this
/// node's overlay address and MTU, and the stop flag.
final class WorkerContext: Sendable {
    let tx: Published<TxTable>
    let rx: Published<RxTable>
    let counters: DataPlaneCounters
    let localIP: UInt32
    let networkMask: UInt32
    let mtu: Int
    let segmentation: Bool
    private let stopping = Atomic(false)
    /// Called (rarely) when an authenticated packet came from an address other than the one the peer's key last saw.
    let onRoam: @Sendable (DataPeer, DataEndpoint) -> Void

    init(localIP: UInt32, prefix: Int, mtu: Int, segmentation: Bool, counters: DataPlaneCounters,
         onRoam: @escaping @Sendable (DataPeer, DataEndpoint) -> Void) {
        tx = Published(TxTable([:]))
        rx = Published(RxTable([:]))
        self.counters = counters
        self.localIP = localIP
        self.networkMask = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
        self.mtu = mtu
        self.segmentation = segmentation
        self.onRoam = onRoam
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }
    func stop() { stopping.store(true, ordering: .relaxed) }

    /// An overlay IP a host here may address: in the network, not the network or broadcast address, not ours.
    @inline(__always)
    func isPeerAddress(_ a: UInt32) -> Bool {
        a & networkMask == localIP & networkMask && a != localIP && a & ~networkMask != 0 && a & ~networkMask != ~networkMask
    }
}
