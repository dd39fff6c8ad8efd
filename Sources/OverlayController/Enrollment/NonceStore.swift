import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol
import OverlayTLS

/// Single-use, short-lived enrollment nonces, in memory only: a restart
/// simply invalidates outstanding ones. Bounded, so a flood of nonce
/// requests cannot grow memory without limit.
public final class NonceStore: Sendable {
    private let state = NIOLockedValueBox<[String: Date]>([:])
    public let lifetime: TimeInterval
    public let capacity: Int

    public init(lifetime: TimeInterval = 60, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    public func issue(now: Date = Date()) -> NonceResponse {
        let nonce = Base64URL.encode(Digest.randomBytes(24))
        let expiry = now.addingTimeInterval(lifetime)
        state.withLockedValue { nonces in
            if nonces.count >= capacity {
                nonces = nonces.filter { $0.value > now }
                if nonces.count >= capacity, let oldest = nonces.min(by: { $0.value < $1.value })?.key {
                    nonces.removeValue(forKey: oldest)
                }
            }
            nonces[nonce] = expiry
        }
        return NonceResponse(nonce: nonce, expiresAt: expiry)
    }

    /// True exactly once per issued, unexpired nonce.
    public func consume(_ nonce: String, now: Date = Date()) -> Bool {
        state.withLockedValue { nonces in
            guard let expiry = nonces.removeValue(forKey: nonce) else { return false }
            return expiry > now
        }
    }
}
