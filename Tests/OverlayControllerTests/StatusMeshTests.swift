import Foundation
import NIOHTTP1
@testable import OverlayController
import OverlayHTTP
import OverlayProtocol
import Testing

/// What the status page gets of the mesh: every pair up to the grid's size,
/// only the broken ones above it, spliced into `/status.json` without
/// going through `JSONEncoder`.
@Suite struct StatusMeshTests {
    /// `count` active nodes that all report every peer up, except n000 → n001 down; with `partition`,
    /// every pair between the first `partition` nodes and the rest is down as well.
    func mesh(nodes count: Int, partition: Int = 0) throws -> MeshService {
        let names = (0..<count).map { String(format: "n%03d", $0) }
        let records = names.enumerated().map { i, name in
            NodeRecord(name: name, overlayIP: "100.64.\(i / 250).\(i % 250 + 1)", fingerprint: "f\(i)", serial: "\(i)",
                       certificate: "", registeredAt: Date(), tokenID: "t")
        }
        let roster = Roster(nodes: records, activeTimeout: 3600)
        let mesh = MeshService(roster: roster)
        var version = ""
        for (i, name) in names.enumerated() { version = roster.heartbeat(name: name, endpoint: "198.18.0.\(i % 250 + 1):7444") }
        for a in names {
            let entries = names.filter { $0 != a }.map { b in
                a == "n000" && b == "n001" || (names.firstIndex(of: a)! < partition) != (names.firstIndex(of: b)! < partition)
                    ? HealthReportEntry(peer: b, state: .down, rttMs: nil, forSeconds: 5, error: "timeout")
                    : HealthReportEntry(peer: b, state: .up, rttMs: 0.5, forSeconds: 60, error: nil)
            }
            _ = try mesh.ingest(node: a, report: HealthReport(seq: 1, full: true, entries: entries), rosterVersion: version)
        }
        return mesh
    }

    @Test("up to 40 active nodes the page gets every pair; at 41 only the summaries and the pairs that are not up")
    func brokenOnlyAboveGridSize() throws {
        let small = try mesh(nodes: MeshView.gridMaxNodes).statusMesh(now: Date())
        let smallView = try OverlayJSON.decoder().decode(MeshView.self, from: Data(small.json))
        #expect(!small.brokenOnly)
        #expect(smallView.pairs.count == 40 * 39)

        let large = try mesh(nodes: MeshView.gridMaxNodes + 1).statusMesh(now: Date())
        let largeView = try OverlayJSON.decoder().decode(MeshView.self, from: Data(large.json))
        #expect(large.brokenOnly)
        #expect(largeView.nodes.count == 41)
        #expect(largeView.pairs.map { "\($0.from)→\($0.to)=\($0.state)" } == ["n000→n001=down"])
        #expect(largeView.nodes.first { $0.name == "n001" }?.reachableBy == 39)
    }

    @Test("status.json with the mesh spliced in is byte for byte what JSONEncoder gives for the whole snapshot")
    func splicedSnapshotEqualsEncoded() throws {
        let mesh = try self.mesh(nodes: 3).statusMesh(now: Date(timeIntervalSince1970: 2_000_000))
        let view = try OverlayJSON.decoder().decode(MeshView.self, from: Data(mesh.json))
        let network = StatusNetworkSummary(name: "lab \"one\"", range: "100.64.0.0/16", caFingerprint: "ab:cd", activeNodes: 3,
                                           registeredNodes: 3, rosterVersion: mesh.rosterVersion,
                                           generatedAt: Date(timeIntervalSince1970: 2_000_001))
        let roster = [StatusRosterNode(name: "n000", overlayIP: "100.64.0.1", endpoint: nil, active: true, lastSeen: nil)]
        let spliced = StatusSnapshotJSON.encode(mesh: mesh, network: network, roster: roster)
        var expected = OverlayJSON.encode(StatusPageSnapshot(network: network, roster: roster, mesh: view, meshBrokenOnly: false))
        expected.append(0x0A)
        #expect(String(decoding: spliced, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test("a large partition: the status page and the TLS API get the first 1000 broken pairs and how many more; the control socket all")
    func brokenPairsCapped() throws {
        // 50 nodes split 25/25: 2 × 25 × 25 = 1250 broken pairs, and n000 → n001.
        let mesh = try self.mesh(nodes: 50, partition: 25)
        func keys(_ pairs: [MeshPair]) -> [String] { pairs.map { "\($0.from)→\($0.to)=\($0.state)" } }
        let all = keys(mesh.view(brokenOnly: true).pairs)
        #expect(all.count == 1251)

        let status = mesh.statusMesh(now: Date())
        let page = try OverlayJSON.decoder().decode(MeshView.self, from: Data(status.json))
        #expect(keys(page.pairs) == Array(all.prefix(MeshView.brokenPairsMax)), "the first 1000, in order")
        #expect(page.brokenPairsOmitted == 251)
        #expect(page.nodes.count == 50 && page.nodes.first { $0.name == "n000" }?.reaches == 23, "summaries count every pair")

        func get(_ uri: String) -> HTTPRequest {
            HTTPRequest(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri), body: [], peer: nil, remoteAddress: nil)
        }
        let tls = try OverlayJSON.decoder().decode(MeshView.self, from: Data(try MeshAPI.brokenView(get("/v1/mesh"), mesh: mesh).body))
        #expect(keys(tls.pairs) == keys(page.pairs) && tls.brokenPairsOmitted == 251)
        let control = try OverlayJSON.decoder().decode(MeshView.self, from: Data(try MeshAPI.view(get("/v1/mesh?broken=1"), mesh: mesh).body))
        #expect(keys(control.pairs) == all && control.brokenPairsOmitted == nil, "the operator's control socket gives every pair")

        let small = try OverlayJSON.decoder().decode(MeshView.self, from: Data(try self.mesh(nodes: 50).statusMesh(now: Date()).json))
        #expect(small.brokenPairsOmitted == nil && small.pairs.count == 1, "nothing omitted: no field")
    }

    @Test("a capped view in status.json is still byte for byte what JSONEncoder gives (brokenPairsOmitted in key order)")
    func cappedSnapshotEqualsEncoded() throws {
        let mesh = try self.mesh(nodes: 50, partition: 25).statusMesh(now: Date(timeIntervalSince1970: 2_000_000))
        let view = try OverlayJSON.decoder().decode(MeshView.self, from: Data(mesh.json))
        let network = StatusNetworkSummary(name: "lab", range: "100.64.0.0/16", caFingerprint: "ab:cd", activeNodes: 50,
                                           registeredNodes: 50, rosterVersion: mesh.rosterVersion,
                                           generatedAt: Date(timeIntervalSince1970: 2_000_001))
        let spliced = StatusSnapshotJSON.encode(mesh: mesh, network: network, roster: [])
        var expected = OverlayJSON.encode(StatusPageSnapshot(network: network, roster: [], mesh: view, meshBrokenOnly: true))
        expected.append(0x0A)
        #expect(String(decoding: spliced, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }
}
