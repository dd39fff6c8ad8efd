import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    @Suite("status page")
    struct StatusPageTests {
        @Test("the status page serves its own page, script and style with a strict CSP, and /status.json holds the summary, roster and mesh without secrets")
        func servesAssetsAndSnapshot() async throws {
            let port = try freePort()
            var settings = ClusterSettings()
            settings.controllerArguments = ["--status-listen", "127.0.0.1:\(port)"]
            try await Cluster.with("status-assets", settings: settings) { cluster in
                let controller = try await cluster.startController()
                try await cluster.startNode("alice")
                try await cluster.startNode("bob")
                try await cluster.waitActive(["alice", "bob"])
                let base = "http://127.0.0.1:\(port)"

                for (path, type) in [("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")] {
                    let page = try await HTTPFetch.get(base + path)
                    #expect(page.status == 200 && page.contentType.hasPrefix(type), "\(path): \(page)")
                    #expect(page.headers["content-security-policy"]?.hasPrefix("default-src 'self'") == true, "\(path): \(page.headers)")
                    #expect(page.headers["x-content-type-options"] == "nosniff", "\(path): \(page.headers)")
                    #expect(!page.body.contains("http://") && !page.body.contains("https://"), "\(path) loads nothing from elsewhere")
                }
                let html = try await HTTPFetch.get(base + "/").body
                #expect(!html.contains("<script>") && !html.contains("style="), "no inline script or style (the CSP forbids them)")

                let snapshot = try await eventually("status.json shows both nodes active") {
                    let fetched = try await HTTPFetch.get(base + "/status.json")
                    let s = try OverlayJSON.decoder().decode(StatusPageSnapshot.self, from: Data(fetched.body.utf8))
                    guard s.network.activeNodes == 2, s.mesh.nodes.count == 2 else { throw NotYet("\(s.network)") }
                    #expect(fetched.headers["cache-control"] == "no-store")
                    return (s, fetched.body)
                }
                let status = try await controller.ctl.controllerStatus()
                #expect(snapshot.0.network.caFingerprint == status.caFingerprint)
                #expect(snapshot.0.network.range == "100.64.0.0/16" && snapshot.0.network.registeredNodes == 2)
                #expect(snapshot.0.roster.map(\.name).sorted() == ["alice", "bob"])
                #expect(!snapshot.0.meshBrokenOnly && snapshot.0.mesh.pairs.count == 2, "a small network's page gets every pair")
                for secret in ["BEGIN", "PRIVATE", "token", "fingerprint\":\"\(try await controller.ctl.roster().nodes[0].fingerprint)"] {
                    #expect(!snapshot.1.contains(secret), "status.json carries no \(secret)")
                }
                let outside = try await HTTPFetch.get(base + "/v1/tokens")
                #expect(outside.status == 404, "the page's listener serves nothing of the control API: \(outside)")
            }
        }

        @Test("headless Chromium renders one heatmap cell per ordered pair and the right counts, then shows a frozen node's pairs as down",
              .enabled(if: Chromium.isInstalled, "chromium is not installed (apt-get install chromium); the browser test needs it"))
        func browserRendersHeatmap() async throws {
            let port = try freePort()
            var settings = ClusterSettings()
            settings.controllerArguments = ["--status-listen", "127.0.0.1:\(port)"]
            settings.pingTimeout = "2s"
            try await Cluster.with("status-browser", settings: settings) { cluster in
                try await cluster.startController()
                let names = ["alice", "bob", "carol", "dave"]
                var nodes: [NodeHandle] = []
                for name in names { nodes.append(try await cluster.startNode(name)) }
                try await cluster.waitActive(names)
                let url = "http://127.0.0.1:\(port)/"
                try await Self.waitSnapshot(port, "every pair up") { s in
                    s.mesh.pairs.count == 12 && s.mesh.pairs.allSatisfy { $0.state == .up }
                }

                let page = RenderedStatusPage(dom: try await Chromium.dumpDOM(url))
                let cells = page.cells
                #expect(cells.count == names.count * (names.count - 1), "n·(n−1) cells: \(cells.count)")
                let pairs = Set(cells.map { [$0.from, $0.to] })
                let expected = Set(names.flatMap { a in names.filter { $0 != a }.map { [a, $0] } })
                #expect(pairs == expected, "one cell per ordered pair, none for a node and itself")
                #expect(page.selfCells == names.count)
                #expect(cells.allSatisfy { $0.state == "up" }, "\(cells.filter { $0.state != "up" })")
                #expect(page.summary("active") == "4" && page.summary("registered") == "4" && page.summary("down") == "0",
                        "summary: \(page.summary("active") ?? "-") active, \(page.summary("registered") ?? "-") registered")
                #expect(page.rosterRows.sorted() == names)

                // Dave freezes: the others' PINGs to it time out and they report it down.
                let dave = nodes[3]
                dave.process.signal(SIGSTOP)
                defer { dave.process.signal(SIGCONT) }
                try await Self.waitSnapshot(port, "alice, bob and carol report dave down") { s in
                    ["alice", "bob", "carol"].allSatisfy { from in s.mesh.pairs.contains { $0.from == from && $0.to == "dave" && $0.state == .down } }
                }
                let after = RenderedStatusPage(dom: try await Chromium.dumpDOM(url))
                let toDave = after.cells.filter { $0.to == "dave" }
                #expect(toDave.count == 3 && toDave.allSatisfy { $0.state == "down" }, "\(toDave)")
                #expect(after.cells.filter { $0.to != "dave" && $0.from != "dave" }.allSatisfy { $0.state == "up" })
                #expect(Int(after.summary("down") ?? "") ?? 0 >= 3)
                if let shot = ProcessInfo.processInfo.environment["OVERLAYD_STATUS_SCREENSHOT"], !shot.isEmpty {
                    try await Chromium.screenshot(url, to: shot)
                }
            }
        }

        /// Polls `/status.json` until `ok` holds (bounded wait, not a timing assertion).
        static func waitSnapshot(_ port: Int, _ what: String, _ ok: @escaping (StatusPageSnapshot) -> Bool) async throws {
            try await eventually("status.json: \(what)", limit: 60) {
                let fetched = try await HTTPFetch.get("http://127.0.0.1:\(port)/status.json")
                let s = try OverlayJSON.decoder().decode(StatusPageSnapshot.self, from: Data(fetched.body.utf8))
                guard ok(s) else {
                    throw NotYet(s.mesh.pairs.filter { $0.state != .up }.map { "\($0.from)→\($0.to)=\($0.state)" }.joined(separator: " "))
                }
            }
        }
    }
}
