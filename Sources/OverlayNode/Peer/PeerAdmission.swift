import Logging
import NIOCore
import OverlayCore

/// The rate check a new peer connection passes before the TLS handshake, so
/// an address that opens connections in a loop costs an accept and a close,
/// never OpenSSL's work: at most `rate` handshakes per source address. Each
/// refusal is counted; the log gets one line per address and minute at most.
struct PeerAdmission: Sendable {
    let rate: RateLimit
    private let handshakes: SourceRateLimiter
    private let journal = RefusalJournal()
    private let logger: Logger

    init(rate: RateLimit, logger: Logger) {
        self.rate = rate
        self.handshakes = SourceRateLimiter(limit: rate)
        self.logger = logger
    }

    /// False when the connection's address is over its handshake rate: close it.
    func admit(_ channel: any Channel) -> Bool {
        guard let source = SourceAddress(channel.remoteAddress), case .refused = handshakes.admit(source) else { return true }
        PeerListenerMetrics.count(.handshakeRate)
        if let count = journal.record(source) {
            logger.warning("""
                peer connection refused before the TLS handshake: \(source) opens connections faster than \(rate); \
                later refusals from it are summed up once a minute. If many legitimate peers share the address (a NAT), \
                raise peer-handshake-rate
                """, metadata: [
                "event": "peer-handshake-limit", "address": "\(channel.remoteAddress?.description ?? "\(source)")",
                "limit": "\(rate)", "refused": "\(count)",
            ])
        }
        return false
    }
}
