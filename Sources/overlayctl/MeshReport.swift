import Foundation
import OverlayProtocol

/// The text around the grid: what is broken, since when and why; which
/// failures are one-way; which nodes the controller hears but peers do not.
struct MeshReport {
    let view: MeshView
    let arrow: String

    func problems() -> String {
        var lines: [String] = []
        let down = view.pairs.filter { $0.state == .down }
        let unknown = view.pairs.filter { $0.state == .unknown }
        if down.isEmpty {
            lines.append("no pair is down")
        } else {
            lines.append("down (\(down.count)):")
            var table = Table(header: ["  FROM \(arrow) TO", "SINCE", "ASYMMETRIC", "ERROR (as FROM reports it)"])
            for p in down {
                let since = p.since.map { "\(Format.date($0)) (\(Format.ago($0)))" } ?? "-"
                table.rows.append(["  \(p.from) \(arrow) \(p.to)", since,
                                   p.asymmetric ? "yes: \(p.to) reaches \(p.from)" : "no", p.lastError ?? "-"])
            }
            lines.append(table.render())
        }
        if !unknown.isEmpty {
            let shown = unknown.prefix(20).map { "\($0.from) \(arrow) \($0.to)" }.joined(separator: ", ")
            lines.append("not reported yet (\(unknown.count)): \(shown)\(unknown.count > 20 ? ", …" : "")")
        }
        // A node no peer reaches is one line below, not one asymmetric pair per peer.
        let unreachable = Set(view.nodes.filter { $0.flags.contains(.unreachableByPeers) }.map(\.name))
        let asymmetric = down.filter { $0.asymmetric && !unreachable.contains($0.to) }
        if !asymmetric.isEmpty {
            lines.append("asymmetric: " + asymmetric.map { "\($0.from) cannot reach \($0.to), but \($0.to) reaches \($0.from)" }
                .joined(separator: "; ") + " (look for a firewall or route on one side only)")
        }
        for n in view.nodes where n.flags.contains(.unreachableByPeers) {
            lines.append("UNREACHABLE BY PEERS: \(n.name) (\(n.overlayIP)) polls the controller, but no peer reaches it "
                         + "(reachable by 0/\(n.peers)); check its listen port and firewall")
        }
        for n in view.nodes where n.flags.contains(.notReporting) {
            let since = n.silentSince.map { " since \(Format.date($0)) (\(Format.ago($0)))" } ?? ""
            let peersSay = n.reachableBy > 0
                ? "\(n.reachableBy)/\(n.peers) of its peers still reach it: its path to the controller is what broke"
                : "no peer reports reaching it either: it is cut off, frozen or down; check the host itself"
            lines.append("NOT REPORTING: \(n.name) (\(n.overlayIP)) has not polled the controller\(since); "
                         + "what it last said about its peers is not shown. \(peersSay)")
        }
        let silent = view.nodes.filter { $0.flags.contains(.noReport) }.map(\.name)
        if !silent.isEmpty {
            lines.append("no health report yet from: \(silent.joined(separator: ", ")) (just started, or an older overlayd-node)")
        }
        return lines.joined(separator: "\n")
    }

    func summaryTable() -> String {
        var table = Table(header: ["NAME", "OVERLAY IP", "REACHABLE BY", "REACHES", "FLAGS"])
        for n in view.nodes {
            table.rows.append([n.name, n.overlayIP, "\(n.reachableBy)/\(n.peers)", "\(n.reaches)/\(n.peers)",
                               n.flags.isEmpty ? "-" : n.flags.map(\.rawValue).joined(separator: ",")])
        }
        return table.render()
    }
}
