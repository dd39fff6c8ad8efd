import Synchronization

/// Queries answered, by outcome, bumped without locks on the query path and read by
/// the control socket and the metrics: dnsperf rates must not contend on a lock.
public final class DNSQueryCounters: Sendable {
    /// One relaxed atomic, as an object so the counters can live in an array.
    private final class Cell: Sendable {
        let value = Atomic<UInt64>(0)
    }

    private let counts: [Cell] = DNSOutcome.allCases.map { _ in Cell() }
    /// TCP connections refused because `DNSServer.maxConnections` were already open.
    private let refusedConnections = Cell()

    public init() {}

    func count(_ outcome: DNSOutcome) {
        guard let i = DNSOutcome.allCases.firstIndex(of: outcome) else { return }
        counts[i].value.wrappingAdd(1, ordering: .relaxed)
    }

    func refusedConnection() { refusedConnections.value.wrappingAdd(1, ordering: .relaxed) }

    public func count(of outcome: DNSOutcome) -> UInt64 {
        guard let i = DNSOutcome.allCases.firstIndex(of: outcome) else { return 0 }
        return counts[i].value.load(ordering: .relaxed)
    }

    public var all: [(outcome: DNSOutcome, count: UInt64)] { DNSOutcome.allCases.map { ($0, count(of: $0)) } }
    public var connectionsRefused: UInt64 { refusedConnections.value.load(ordering: .relaxed) }
}
