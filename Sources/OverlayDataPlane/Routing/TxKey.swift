import OverlayTLS
import Synchronization

/// A send key: the peer's receive key id, one cipher context per send
/// worker (EVP contexts are not shared between threads) and the counter
/// those workers take packet numbers from.
final class TxKey: Sendable {
    let keyID: UInt32
    let createdAt: UInt64
    /// After this (monotonic ns) the key is not used any more; the receiver refuses it too.
    let rejectAt: UInt64
    let contexts: [PacketAEAD]
    private let counter = Atomic<UInt64>(0)

    init(keyID: UInt32, contexts: [PacketAEAD], createdAt: UInt64, rejectAt: UInt64) {
        self.keyID = keyID; self.contexts = contexts; self.createdAt = createdAt; self.rejectAt = rejectAt
    }

    /// Reserves `count` consecutive counters; nil once the key is used up.
    @inline(__always)
    func reserve(_ count: Int) -> UInt64? {
        let first = counter.wrappingAdd(UInt64(count), ordering: .relaxed).oldValue
        return first &+ UInt64(count) < DataPacketFormat.counterLimit ? first : nil
    }

    var used: UInt64 { counter.load(ordering: .relaxed) }
}
