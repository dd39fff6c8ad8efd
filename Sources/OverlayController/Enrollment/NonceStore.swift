import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol
import OverlayTLS

/// Single-use, short-lived enrollment nonces, in memory only: a restart
/// simply invalidates outstanding ones. Bounded: when `capacity` unexpired
/// nonces are outstanding, new requests are refused rather than evicting
/// nonces real nodes are about to use.
public final class NonceStore: Sendable {
    struct State {
        var expiries: [String: Date] = [:]
        /// Issue order, so expired nonces are dropped from the front in amortised O(1).
        var order: [(expiry: Date, nonce: String)] = []
        var head = 0
    }

    private let state = NIOLockedValueBox(State())
    public let lifetime: TimeInterval
    public let capacity: Int

    public init(lifetime: TimeInterval = 60, capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Nil when `capacity` nonces are outstanding.
    public func issue(now: Date = Date()) -> NonceResponse? {
        let nonce = Base64URL.encode(Digest.randomBytes(24))
        let expiry = now.addingTimeInterval(lifetime)
        let issued: Bool = state.withLockedValue { s in
            while s.head < s.order.count, s.order[s.head].expiry <= now {
                s.expiries.removeValue(forKey: s.order[s.head].nonce)
                s.head += 1
            }
            if s.head > 1024, s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
            guard s.expiries.count < capacity else { return false }
            s.expiries[nonce] = expiry
            s.order.append((expiry, nonce))
            return true
        }
        return issued ? NonceResponse(nonce: nonce, expiresAt: expiry) : nil
    }

    /// True exactly once per issued, unexpired nonce.
    public func consume(_ nonce: String, now: Date = Date()) -> Bool {
        state.withLockedValue { s in
            guard let expiry = s.expiries.removeValue(forKey: nonce) else { return false }
            return expiry > now
        }
    }
}
