import Synchronization

/// A peer as the data plane knows it while it is on the active roster: who it
/// is (name, overlay IP, certificate fingerprint) and what crossed. Counters
/// are written by one direction each, read by the control socket.
public final class DataPeer: Sendable {
    public let name: String
    public let overlayIP: UInt32
    public let fingerprint: String

    let txPackets = AtomicCounter(), txBytes = AtomicCounter(), lastTx = AtomicCounter()
    let rxPackets = AtomicCounter(), rxBytes = AtomicCounter(), lastRx = AtomicCounter()

    init(name: String, overlayIP: UInt32, fingerprint: String) {
        self.name = name; self.overlayIP = overlayIP; self.fingerprint = fingerprint
    }
}
