import NIOConcurrencyHelpers

/// The zone every listener answers from, replaced whole when the roster changes:
/// a query sees one roster version, never half of an update.
public final class DNSZoneBox: Sendable {
    private let box = NIOLockedValueBox<DNSZone?>(nil)
    public init() {}
    public var zone: DNSZone? { box.withLockedValue { $0 } }
    public func publish(_ zone: DNSZone) { box.withLockedValue { $0 = zone } }
}
