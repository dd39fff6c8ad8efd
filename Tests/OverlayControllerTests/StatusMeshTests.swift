import Foundation
@testable import OverlayController
import OverlayProtocol
import Testing

/// What the status page gets of the mesh: every pair up to the grid's size,
/// only the broken ones above it, spliced into `/status.json` without
/// going through `JSONEncoder`.
@Suite struct StatusMeshTests {
    /// `count` active nodes that all report every peer up, except n000 → n001 down.
    func mesh(nodes count: Int) throws -> MeshService {
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
                a == "n000" && b == "n001"
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
}
