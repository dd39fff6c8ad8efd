import Foundation

/// One peer's health as a plain state machine: unknown until the first
/// exchange, up after a PONG, down after a miss. Smoothed RTT is the TCP
/// estimator (RFC 6298, α = 1/8).
public struct PeerHealth: Sendable, Equatable {
    public enum State: String, Sendable { case unknown, up, down }

    public private(set) var state: State = .unknown
    public private(set) var lastRTT: Double?
    public private(set) var smoothedRTT: Double?
    public private(set) var lastPong: Date?
    public private(set) var consecutiveFailures = 0
    public private(set) var lastError: String?
    /// When `state` last changed (nil while unknown): how long a peer has been down, for the controller's mesh.
    public private(set) var since: Date?

    public init() {}

    public mutating func pong(rttMs: Double, at now: Date) {
        if state != .up { since = now }
        state = .up
        lastRTT = rttMs
        smoothedRTT = smoothedRTT.map { $0 + (rttMs - $0) / 8 } ?? rttMs
        lastPong = now
        consecutiveFailures = 0
        lastError = nil
    }

    public mutating func miss(_ reason: String, at now: Date = Date()) {
        if state != .down { since = now }
        state = .down
        consecutiveFailures += 1
        lastError = reason
    }
}
