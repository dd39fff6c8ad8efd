import Foundation
import OverlayCore

/// The node's one-line state for `systemctl status` (sd_notify STATUS=):
///
/// - `enrolled as alice (100.64.0.5), waiting for roster` before the first roster;
/// - `3/3 peers up, roster v42` after it (peers = the other nodes on the roster);
/// - `, controller unreachable since 12:03:04` appended while roster polls fail.
enum NodeStatusText {
    static func make(name: String, overlayIP: String, rosterVersion: String?, peers: Int, peersUp: Int,
                     controllerUnreachableSince: Date?) -> String {
        var text: String
        if let rosterVersion {
            text = "\(peersUp)/\(peers) peers up, roster v\(RosterVersionLabel.short(rosterVersion))"
        } else {
            text = "enrolled as \(name) (\(overlayIP)), waiting for roster"
        }
        if let since = controllerUnreachableSince {
            text += ", controller unreachable since \(ClockTime.format(since))"
        }
        return text
    }

    static func make(_ r: NodeRuntime) -> String {
        let snap = r.roster.snapshot
        let peers = Set(snap.entries.keys).subtracting([r.identity.name])
        let up = r.book.statuses().filter { peers.contains($0.name) && $0.state == PeerHealth.State.up.rawValue }.count
        return make(name: r.identity.name, overlayIP: r.identity.overlayIP, rosterVersion: snap.version, peers: peers.count,
                    peersUp: up, controllerUnreachableSince: snap.unreachableSince)
    }
}
