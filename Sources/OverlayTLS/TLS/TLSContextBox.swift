import NIOConcurrencyHelpers

/// The context a listener hands to each new connection, replaceable while it
/// runs: rotating a certificate is building a new context and swapping it in;
/// connections already open keep the one they started with.
public final class TLSContextBox: Sendable {
    private let box: NIOLockedValueBox<TLSContext>

    public init(_ context: TLSContext) { box = NIOLockedValueBox(context) }

    public var current: TLSContext { box.withLockedValue { $0 } }

    public func replace(with context: TLSContext) { box.withLockedValue { $0 = context } }
}
