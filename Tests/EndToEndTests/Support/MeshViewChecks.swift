import Foundation
import OverlayProtocol
import Testing

extension Overlayctl {
    /// `overlayctl mesh --json` on the controller socket.
    func mesh(brokenOnly: Bool = false) async throws -> MeshView {
        try await json(MeshView.self, brokenOnly ? ["mesh", "--broken"] : ["mesh"])
    }
}

extension Cluster {
    /// Until the controller's mesh view satisfies `check` (which throws `NotYet` saying what it saw).
    @discardableResult
    func waitMesh(_ what: String, limit: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
                  _ check: @escaping (MeshView) throws -> Void) async throws -> MeshView {
        let ctl = try requireController().ctl
        return try await eventually(what, limit: limit, sourceLocation: sourceLocation) {
            let view = try await ctl.mesh()
            try check(view)
            return view
        }
    }

    /// Until the mesh lists every ordered pair of `names` and all are up except exactly `down`.
    @discardableResult
    func waitMesh(of names: [String], down: Set<[String]> = [], limit: Double = 60,
                  sourceLocation: SourceLocation = #_sourceLocation) async throws -> MeshView {
        let label = down.isEmpty ? "all up" : "down: " + down.map { $0.joined(separator: "→") }.sorted().joined(separator: ", ")
        return try await waitMesh("the controller's mesh of \(names) shows every ordered pair, \(label)", limit: limit,
                                  sourceLocation: sourceLocation) { view in
            let expected = names.count * (names.count - 1)
            guard view.pairs.count == expected else { throw NotYet("\(view.pairs.count) pairs, not \(expected): \(describe(view))") }
            for p in view.pairs {
                let want: MeshPair.State = down.contains([p.from, p.to]) ? .down : .up
                guard p.state == want else { throw NotYet("\(p.from)→\(p.to) is \(p.state), want \(want): \(describe(view))") }
            }
        }
    }
}

func describe(_ view: MeshView) -> String {
    let broken = view.pairs.filter { $0.state != .up }
        .map { "\($0.from)→\($0.to)=\($0.state)\($0.asymmetric ? "(asym)" : "")" }
    let flags = view.nodes.filter { !$0.flags.isEmpty }.map { "\($0.name)[\($0.flags.map(\.rawValue).joined(separator: ","))]" }
    return "\(view.pairs.count) pairs; not up: \(broken.isEmpty ? "none" : broken.joined(separator: " ")); flags: \(flags.isEmpty ? "none" : flags.joined(separator: " "))"
}

/// An nftables table inside one party's network namespace, dropping TCP to a
/// port (optionally only from one source). It drops established packets too,
/// so an already-open persistent peer connection is cut, not just new ones.
struct NamespaceFirewall {
    let namespace: String
    let table = "ovl_e2e_block"

    func block(tcpPort: Int, from source: String? = nil) throws {
        try nft(["add", "table", "inet", table])
        try nft(["add", "chain", "inet", table, "input", "{ type filter hook input priority 0 ; policy accept ; }"])
        let match = (source.map { ["ip", "saddr", $0] } ?? []) + ["tcp", "dport", String(tcpPort), "drop"]
        try nft(["add", "rule", "inet", table, "input"] + match)
    }

    func clear() throws { try nft(["delete", "table", "inet", table]) }

    private func nft(_ arguments: [String]) throws {
        let result = Command.runSync(try Tools.ip(), ["netns", "exec", namespace, try Tools.find("nft")] + arguments)
        guard result.succeeded else { throw SetupError("nft in \(namespace) failed: \(result)") }
    }
}
