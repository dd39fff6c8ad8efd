import Synchronization

/// One relaxed atomic counter, as an object so counters can live in arrays.
public final class AtomicCounter: Sendable {
    private let value = Atomic<UInt64>(0)
    public init() {}
    @inline(__always) public func add(_ n: UInt64) { value.wrappingAdd(n, ordering: .relaxed) }
    @inline(__always) public func store(_ n: UInt64) { value.store(n, ordering: .relaxed) }
    public var load: UInt64 { value.load(ordering: .relaxed) }
}

/// Counters the workers bump without locks and the control socket and
/// Prometheus read: one per drop reason.
public final class DataPlaneCounters: Sendable {
    private let drops: [AtomicCounter] = DropReason.allCases.map { _ in AtomicCounter() }

    @inline(__always)
    func drop(_ reason: DropReason, count: UInt64 = 1) { drops[reason.rawValue].add(count) }

    public func dropped(_ reason: DropReason) -> UInt64 { drops[reason.rawValue].load }

    public var allDrops: [(reason: DropReason, count: UInt64)] { DropReason.allCases.map { ($0, dropped($0)) } }
}
