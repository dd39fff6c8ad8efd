import Synchronization

/// Where a packet for one overlay IP goes: the peer, its current send key and
/// its UDP endpoint. Immutable; a change publishes a new table.
struct TxRoute: Sendable {
    let peer: DataPeer
    let key: TxKey?
    let endpoint: DataEndpoint?
}

/// What the send workers read: overlay IP (host order) → route.
final class TxTable: Sendable {
    let routes: [UInt32: TxRoute]
    init(_ routes: [UInt32: TxRoute]) { self.routes = routes }
}

/// What the receive workers read: key id → receive key.
final class RxTable: Sendable {
    let keys: [UInt32: RxKey]
    init(_ keys: [UInt32: RxKey]) { self.keys = keys }
}

/// An immutable snapshot the control plane replaces and workers read without
/// a lock in the steady state: a worker compares the generation (one atomic
/// load per batch) and takes the lock only when it moved.
final class Published<Value: AnyObject & Sendable>: Sendable {
    private let generation = Atomic<UInt64>(1)
    private let current: Mutex<Value>

    init(_ value: Value) { current = Mutex(value) }

    func publish(_ value: Value) {
        current.withLock { $0 = value }
        generation.wrappingAdd(1, ordering: .releasing)
    }

    var value: Value { current.withLock { $0 } }

    /// A worker's view: refreshes `cached` when the generation moved.
    @inline(__always)
    func refresh(_ cached: inout Value, seen: inout UInt64) {
        let g = generation.load(ordering: .acquiring)
        if g != seen {
            seen = g
            cached = current.withLock { $0 }
        }
    }
}
