import NIOConcurrencyHelpers
import NIOCore

/// Caps open TCP connections across a server's listeners, so a peer that opens
/// and holds connections cannot exhaust the node's descriptors; UDP is unaffected.
final class DNSConnectionLimiter: Sendable {
    private let open = NIOLockedValueBox(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// True when the connection may stay; its close gives the slot back.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = open.withLockedValue { n -> Bool in
            guard n < limit else { return false }
            n += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [open] _ in open.withLockedValue { $0 -= 1 } }
        }
        return admitted
    }
}
