import Foundation
import OverlayProtocol
import Testing

/// Waits for the states the tests assert on, as seen through overlayctl.
extension Cluster {
    /// Until every one of `names` is registered and active in the controller's roster.
    @discardableResult
    func waitActive(_ names: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> RosterListing {
        let ctl = try requireController().ctl
        return try await eventually("\(names.joined(separator: ", ")) are registered and active in the controller's roster", sourceLocation: sourceLocation) {
            let listing = try await ctl.roster()
            let active = Set(listing.nodes.filter(\.active).map(\.name))
            let missing = names.filter { !active.contains($0) }
            guard missing.isEmpty else { throw NotYet("not active: \(missing); roster: \(describe(listing))") }
            return listing
        }
    }

    /// Until `name` is registered but not active in the controller's roster.
    @discardableResult
    func waitInactive(_ name: String, limit: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) async throws -> RegisteredNode {
        let ctl = try requireController().ctl
        return try await eventually("\(name) is inactive in the controller's roster", limit: limit, sourceLocation: sourceLocation) {
            let listing = try await ctl.roster()
            guard let entry = listing.nodes.first(where: { $0.name == name }) else {
                throw NotYet("\(name) is not registered; roster: \(describe(listing))")
            }
            guard !entry.active else { throw NotYet("\(name) is still active; roster: \(describe(listing))") }
            return entry
        }
    }

    /// Until, on every node, every other node is `up` with an RTT (and, with `pongsAfter`,
    /// a PONG newer than that moment). Returns each node's peer list.
    @discardableResult
    func waitFullMesh(_ members: [NodeHandle], pongsAfter: Date? = nil, limit: Double = 30,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: [PeerStatus]] {
        try await eventually("every ordered pair of \(members.map(\.name)) is up with an RTT", limit: limit, sourceLocation: sourceLocation) {
            var seen: [String: [PeerStatus]] = [:]
            for node in members {
                let peers = try await node.ctl.peers()
                for other in members where other.name != node.name {
                    guard let p = peers.first(where: { $0.name == other.name }) else {
                        throw NotYet("\(node.name) does not list \(other.name) yet: \(describe(peers))")
                    }
                    guard p.state == "up", p.rttMs != nil, let pong = p.lastPong else {
                        throw NotYet("\(node.name) sees \(other.name) as \(p.state): \(describe(peers))")
                    }
                    if let after = pongsAfter, !(pong > after.wholeSecond) {
                        throw NotYet("\(node.name)'s last PONG from \(other.name) is from \(pong), not after \(after)")
                    }
                }
                seen[node.name] = peers
            }
            return seen
        }
    }

    /// Until every node in `observers` lists `peer` in `state`.
    func waitPeer(_ peer: String, is state: String, on observers: [NodeHandle], limit: Double = 30,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("\(peer) is \(state) on \(observers.map(\.name))", limit: limit, sourceLocation: sourceLocation) {
            for node in observers {
                let peers = try await node.ctl.peers()
                guard let p = peers.first(where: { $0.name == peer }) else {
                    throw NotYet("\(node.name) does not list \(peer): \(describe(peers))")
                }
                guard p.state == state else { throw NotYet("\(node.name) sees \(peer) as \(p.state): \(describe(peers))") }
            }
        }
    }
}

extension Date {
    /// The API encodes dates as ISO-8601 without fractions; compare against whole seconds,
    /// so "newer than" a reference taken here means strictly after it.
    var wholeSecond: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}

func describe(_ listing: RosterListing) -> String {
    listing.nodes.map { "\($0.name)(\($0.overlayIP), \($0.active ? "active" : "inactive"), \($0.endpoint ?? "-"))" }
        .joined(separator: " ")
}

func describe(_ peers: [PeerStatus]) -> String {
    peers.isEmpty ? "no peers" : peers.map { p in
        "\(p.name)=\(p.state)" + (p.lastError.map { " (\($0))" } ?? "")
    }.joined(separator: ", ")
}
