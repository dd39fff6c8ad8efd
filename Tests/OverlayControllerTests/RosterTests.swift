import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Flow 2: the roster a node gets is exactly the active nodes; a node that
/// already holds the current version gets a short "unchanged".
@Suite("Roster", .timeLimit(.minutes(5)))
struct RosterTests {
    @Test("the roster lists exactly the active nodes, with their IPs, endpoints and fingerprints")
    func exactlyTheActiveNodes() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo", "charlie")
            let (a, b, c) = (nodes[0], nodes[1], nodes[2])
            let first = try await controller.client(a).roster(listenPort: 7001)
            #expect(first.unchanged == false)
            #expect(first.nodes?.map(\.name) == ["alpha"], "a node's own heartbeat makes it active")

            _ = try await controller.client(b).roster(advertise: "192.0.2.7:7002")
            let roster = try await controller.client(a).roster(listenPort: 7001)
            let expected = [
                RosterEntry(name: "alpha", overlayIP: a.overlayIP, endpoint: "127.0.0.1:7001", fingerprint: a.certificate.fingerprint),
                RosterEntry(name: "bravo", overlayIP: b.overlayIP, endpoint: "192.0.2.7:7002", fingerprint: b.certificate.fingerprint),
            ]
            #expect(roster.nodes == expected, "charlie is registered but has never sent a heartbeat")

            let listing = try await controller.control.roster()
            #expect(listing.version == roster.version)
            #expect(listing.nodes.map(\.name) == ["alpha", "bravo", "charlie"])
            #expect(listing.nodes.map(\.active) == [true, true, false])
            #expect(listing.nodes.map(\.endpoint) == ["127.0.0.1:7001", "192.0.2.7:7002", nil])
            #expect(listing.nodes[0].lastSeen != nil)
            #expect(listing.nodes[2].lastSeen == nil)
            #expect(listing.nodes[2].fingerprint == c.certificate.fingerprint)
            let status = try await controller.control.status()
            #expect(status.registeredNodes == 3)
            #expect(status.activeNodes == 2)
            #expect(status.rosterVersion == roster.version)
        }
    }

    @Test("a node that sends the current version gets unchanged=true and no list")
    func unchangedWhenCurrent() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let a = try controller.client(nodes[0])
            let first = try await a.roster(listenPort: 7001)

            let again = try await a.roster(knownVersion: first.version, listenPort: 7001)
            #expect(again.unchanged)
            #expect(again.version == first.version)
            #expect(again.nodes == nil)
            let raw = try await a.call(.POST, "/v1/roster", json: RosterRequest(knownVersion: first.version, advertise: nil, listenPort: 7001))
            #expect(!raw.text.contains("nodes"), "an unchanged roster costs one small reply: \(raw.text)")

            // A stale version gets the full list.
            let stale = try await a.roster(knownVersion: "0-0", listenPort: 7001)
            #expect(!stale.unchanged)
            #expect(stale.nodes?.map(\.name) == ["alpha"])

            // Another node becoming active changes the version.
            _ = try await controller.client(nodes[1]).roster(listenPort: 7002)
            let changed = try await a.roster(knownVersion: first.version, listenPort: 7001)
            #expect(!changed.unchanged)
            #expect(changed.version != first.version)
            #expect(changed.nodes?.map(\.name) == ["alpha", "bravo"])

            // A new endpoint for the same node changes it too.
            let moved = try await a.roster(knownVersion: changed.version, listenPort: 7100)
            #expect(!moved.unchanged)
            #expect(moved.nodes?.first { $0.name == "alpha" }?.endpoint == "127.0.0.1:7100")
        }
    }

    @Test("GET /v1/roster reads the roster without a heartbeat")
    func readWithoutHeartbeat() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let current = try await controller.client(nodes[0]).roster(listenPort: 7001)

            let read = try await controller.client(nodes[1]).call(.GET, "/v1/roster").expect(RosterResponse.self)
            #expect(read.nodes?.map(\.name) == ["alpha"], "bravo only read; it did not become active")
            #expect(read.version == current.version)
            #expect(try await controller.control.node("bravo")?.active == false)

            let unchanged = try await controller.client(nodes[1]).call(.GET, "/v1/roster?version=\(current.version)")
                .expect(RosterResponse.self)
            #expect(unchanged.unchanged)
            #expect(unchanged.nodes == nil)
        }
    }

    @Test("the endpoint is 'advertise' when given, else the observed address with 'listenPort'",
          arguments: [
              (advertise: "192.0.2.10:7443", listenPort: nil, expected: "192.0.2.10:7443"),
              (advertise: "192.0.2.10:7443", listenPort: 9999, expected: "192.0.2.10:7443"),
              (advertise: "node.example:7443", listenPort: nil, expected: "node.example:7443"),
              (advertise: "[fd00::7]:7443", listenPort: nil, expected: "[fd00::7]:7443"),
              (advertise: nil, listenPort: 7301, expected: "127.0.0.1:7301"),
          ] as [(advertise: String?, listenPort: Int?, expected: String)])
    func endpoint(advertise: String?, listenPort: Int?, expected: String) async throws {
        try await withController { controller in
            let node = try await controller.enroll("alpha")[0]
            let roster = try await controller.client(node).roster(advertise: advertise, listenPort: listenPort)
            #expect(roster.nodes?.first?.endpoint == expected)
            #expect(try await controller.control.node("alpha")?.endpoint == expected)
        }
    }

    @Test("a heartbeat without a usable endpoint is refused with invalid_endpoint and does not make the node active",
          arguments: [
              (advertise: nil, listenPort: nil),
              (advertise: nil, listenPort: 0),
              (advertise: nil, listenPort: 70_000),
              (advertise: "no-port-here", listenPort: nil),
              (advertise: "host:notaport", listenPort: 7000),
          ] as [(advertise: String?, listenPort: Int?)])
    func invalidEndpoint(advertise: String?, listenPort: Int?) async throws {
        try await withController { controller in
            let node = try await controller.enroll("alpha")[0]
            let before = try await controller.control.roster()
            let reply = try await controller.client(node).call(
                .POST, "/v1/roster", json: RosterRequest(knownVersion: nil, advertise: advertise, listenPort: listenPort))
            #expect(reply.status == 400)
            #expect(reply.apiError?.error == "invalid_endpoint")
            let after = try await controller.control.roster()
            #expect(after.nodes == before.nodes)
            #expect(after.version == before.version)
        }
    }
}
