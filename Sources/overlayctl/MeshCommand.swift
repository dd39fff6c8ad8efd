import ArgumentParser
import Foundation
import OverlayCore
import OverlayProtocol

struct Mesh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which nodes reach which, as the nodes themselves report it (controller).",
        discussion: """
            Up to \(MeshGrid.maxNodes) active nodes: a grid, one row per reporting node (FROM), one column per peer \
            (TO): ● up, ✗ down, ? not reported, · self (o x ? . with --ascii or outside a UTF-8 locale). Below it: \
            every pair that is not up, with since when and the reporter's error; asymmetric pairs (A sees B down, \
            B sees A up); nodes that poll the controller but that no peer reaches (unreachable by peers). More \
            nodes: the per-node summary and the exact list of broken pairs. --json prints the controller's \
            /v1/mesh answer (with --broken, only the pairs that are not up).
            """)
    @OptionGroup var socket: ControllerSocketOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Put each pair's smoothed RTT (ms) in the grid.") var rtt = false
    @Flag(help: "ASCII marks instead of ● ✗ · .") var ascii = false
    @Flag(help: "Only the node summaries and the pairs that are not up (what large networks get).") var broken = false

    func run() async throws {
        try await perform {
            let conn = try await socket.connect()
            if output.json {
                printJSON(try await conn.request(.GET, broken ? "/v1/mesh?broken=1" : "/v1/mesh").body)
                return
            }
            let summary = try await conn.json(.GET, "/v1/mesh?broken=1", as: MeshView.self)
            let marks = ascii || !Self.utf8Locale() ? MeshGrid.Marks.ascii : MeshGrid.Marks.unicode
            if summary.nodes.isEmpty {
                print("no active nodes")
                return
            }
            if !broken && summary.nodes.count <= MeshGrid.maxNodes {
                let full = try await conn.json(.GET, "/v1/mesh", as: MeshView.self)
                print(MeshGrid(view: full, marks: marks, showRTT: rtt).render())
                print("")
                print(MeshReport(view: full, arrow: marks.arrow).problems())
            } else {
                print(MeshReport(view: summary, arrow: marks.arrow).summaryTable())
                print("")
                print(MeshReport(view: summary, arrow: marks.arrow).problems())
            }
        }
    }

    static func utf8Locale() -> Bool {
        let env = ProcessInfo.processInfo.environment
        let locale = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
        return locale.lowercased().replacingOccurrences(of: "-", with: "").contains("utf8")
    }
}
