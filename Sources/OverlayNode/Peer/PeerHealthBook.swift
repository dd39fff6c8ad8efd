import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol

/// Health of every peer this node knows. A peer that leaves the roster stays
/// listed as down (with why) for a while, so an operator sees it go instead
/// of it silently vanishing.
final class PeerHealthBook: Sendable {
    struct Peer: Sendable {
        var entry: RosterEntry
        var health = PeerHealth()
        var onRoster = true
        var leftAt: Date?
    }

    private let peers = NIOLockedValueBox<[String: Peer]>([:])
    let forgetAfter: TimeInterval

    init(forgetAfter: TimeInterval) { self.forgetAfter = forgetAfter }

    /// Brings the book in line with the roster; returns the entries to ping.
    func sync(with roster: [RosterEntry], selfName: String, now: Date = Date()) -> [RosterEntry] {
        peers.withLockedValue { book in
            let current = Dictionary(roster.filter { $0.name != selfName }.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for (name, entry) in current {
                if var p = book[name] {
                    // A new certificate is a new peer, unless it is the renewal of the one held.
                    if p.entry.fingerprint != entry.fingerprint, entry.previousFingerprint != p.entry.fingerprint { p.health = PeerHealth() }
                    p.entry = entry
                    p.onRoster = true
                    p.leftAt = nil
                    book[name] = p
                } else {
                    book[name] = Peer(entry: entry)
                }
            }
            for (name, var p) in book where current[name] == nil {
                if p.onRoster {
                    p.onRoster = false
                    p.leftAt = now
                    p.health.miss("left the active roster")
                    book[name] = p
                } else if let left = p.leftAt, now.timeIntervalSince(left) > forgetAfter {
                    book.removeValue(forKey: name)
                }
            }
            return current.values.sorted { $0.name < $1.name }
        }
    }

    /// Applies `update` to the peer's health if the book still holds it under this certificate (and,
    /// when given, this endpoint); returns whether it did. A result about an entry the roster has since
    /// replaced says nothing about the current one.
    @discardableResult
    func record(_ name: String, fingerprint: String, endpoint: String? = nil, _ update: (inout PeerHealth) -> Void) -> Bool {
        peers.withLockedValue { book in
            guard var p = book[name], p.entry.fingerprint == fingerprint, endpoint == nil || p.entry.endpoint == endpoint else { return false }
            update(&p.health)
            book[name] = p
            return true
        }
    }

    /// Each peer's health by name, for the health report to the controller.
    func healthByPeer() -> [String: PeerHealth] {
        peers.withLockedValue { book in book.filter(\.value.onRoster).mapValues(\.health) }
    }

    func statuses() -> [PeerStatus] {
        peers.withLockedValue { book in
            book.values.sorted { $0.entry.name < $1.entry.name }.map { p in
                PeerStatus(name: p.entry.name, overlayIP: p.entry.overlayIP, endpoint: p.entry.endpoint,
                           state: p.health.state.rawValue, rttMs: p.health.lastRTT, smoothedRttMs: p.health.smoothedRTT,
                           lastPong: p.health.lastPong, consecutiveFailures: p.health.consecutiveFailures,
                           lastError: p.health.lastError)
            }
        }
    }
}
