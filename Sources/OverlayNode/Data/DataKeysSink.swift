import NIOConcurrencyHelpers
import OverlayDataPlane

/// Where PING connections hand their sessions' keys: the data plane and this node's name (half the exporter context).
struct DataKeysSink: Sendable {
    let plane: DataPlane
    let localName: String
    /// Brings the plane's peers up to the roster now: a handshake can complete in the moment between a
    /// roster update (which admitted the peer) and the next sync tick.
    let syncPeers: @Sendable () -> Void
}

/// The listener is bound before the data plane exists (the plane takes its port
/// from the listener's), so it reads the sink from here, set once at start.
final class DataKeysBox: Sendable {
    private let value = NIOLockedValueBox<DataKeysSink?>(nil)
    init() {}
    var sink: DataKeysSink? {
        get { value.withLockedValue { $0 } }
        set { value.withLockedValue { $0 = newValue } }
    }
}
