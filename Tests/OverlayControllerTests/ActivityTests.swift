import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// Who counts as active: a node that stops sending heartbeats drops out
/// after --active-timeout; one that leaves cleanly drops out at once. Both
/// stay registered.
@Suite("Activity", .timeLimit(.minutes(5)))
struct ActivityTests {
    @Test("a silent node drops out of the roster after --active-timeout and comes back with its next heartbeat")
    func silentNodeDropsOut() async throws {
        try await withController(.init(activeTimeout: "2s")) { controller in
            #expect(try await controller.control.status().activeTimeoutSeconds == 2)
            let nodes = try await controller.enroll("alpha", "bravo")
            let (alpha, bravo) = (try controller.client(nodes[0]), try controller.client(nodes[1]))
            let joined = try await alpha.roster(listenPort: 7001)
            #expect(joined.nodes?.map(\.name) == ["alpha"])

            try await waitUntil("alpha to drop out of the active roster") {
                try await controller.control.node("alpha")?.active == false
            }
            let entry = try #require(try await controller.control.node("alpha"))
            #expect(entry.lastSeen != nil, "the last heartbeat is kept for display")
            #expect(entry.endpoint == nil)
            #expect(try await bravo.roster(listenPort: 7002).nodes?.map(\.name) == ["bravo"])
            #expect(try await controller.control.status().registeredNodes == 2)

            let back = try await alpha.roster(listenPort: 7001)
            #expect(back.nodes?.map(\.name).contains("alpha") == true)
            #expect(back.version != joined.version)
        }
    }

    @Test("a node that leaves is inactive at once, still registered, and gone from the others' roster")
    func leaveIsImmediate() async throws {
        try await withController { controller in
            let nodes = try await controller.enroll("alpha", "bravo")
            let (alpha, bravo) = (try controller.client(nodes[0]), try controller.client(nodes[1]))
            _ = try await alpha.roster(listenPort: 7001)
            let both = try await bravo.roster(listenPort: 7002)
            #expect(both.nodes?.map(\.name) == ["alpha", "bravo"])

            let left = try await alpha.leave()
            #expect(left.name == "alpha")
            #expect(left.active == false)

            let listing = try await controller.control.roster()
            #expect(listing.nodes.map(\.name) == ["alpha", "bravo"], "leaving does not unregister")
            #expect(listing.nodes.map(\.active) == [false, true])
            #expect(listing.nodes[0].lastSeen != nil)
            let after = try await bravo.roster(knownVersion: both.version, listenPort: 7002)
            #expect(!after.unchanged)
            #expect(after.nodes?.map(\.name) == ["bravo"])

            // Leaving twice is harmless.
            #expect(try await alpha.leave().active == false)
            #expect(try await controller.control.status().activeNodes == 1)
        }
    }
}
