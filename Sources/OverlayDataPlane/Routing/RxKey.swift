import OverlayTLS
import Synchronization

/// A receive key: its peer, one cipher context per receive worker, and the
/// replay window behind the only lock on the receive path (taken per packet
/// by the worker that owns the peer's flow, so uncontended).
final class RxKey: Sendable {
    let keyID: UInt32
    let peer: DataPeer
    let createdAt: UInt64
    let rejectAt: UInt64
    let contexts: [PacketAEAD]
    let window = Mutex(ReplayWindow())
    /// Where the last authenticated packet under this key came from (roaming), under its own lock.
    let lastSource = Mutex<DataEndpoint?>(nil)

    init(keyID: UInt32, peer: DataPeer, contexts: [PacketAEAD], createdAt: UInt64, rejectAt: UInt64) {
        self.keyID = keyID; self.peer = peer; self.contexts = contexts; self.createdAt = createdAt; self.rejectAt = rejectAt
    }
}
