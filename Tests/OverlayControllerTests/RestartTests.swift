import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The registered nodes, tokens and the CA live in the state directory and
/// survive a restart; activity and nonces do not.
@Suite("Restart", .timeLimit(.minutes(5)))
struct RestartTests {
    @Test("registrations survive a restart; nodes are inactive until they heartbeat; their certificates still work")
    func registrationsSurvive() async throws {
        try await withController(.init(network: "10.50.0.0/24")) { controller in
            let (token, _) = try await controller.control.createToken(uses: 3)
            let nodes = [try await controller.enrollment(token).enroll("alpha"),
                         try await controller.enrollment(token).enroll("bravo", requestedIP: "10.50.0.77")]
            _ = try await controller.client(nodes[0]).roster(listenPort: 7001)
            _ = try await controller.client(nodes[1]).roster(listenPort: 7002)
            let before = try await controller.control.storedState()
            let statusBefore = try await controller.control.status()
            let versionBefore = try await controller.control.roster().version
            // Nonces live in memory only.
            let pendingNonce = try await Connect.with(controller.enrollment(token).connect) {
                try await controller.enrollment(token).nonce(on: $0).nonce
            }

            try await controller.restart(options: .init(network: nil))

            #expect(try await controller.control.storedState() == before, "nodes and token uses are as before the restart")
            let listing = try await controller.control.roster()
            #expect(listing.nodes.map(\.name) == ["alpha", "bravo"])
            #expect(listing.nodes.map(\.active) == [false, false], "inactive until their next heartbeat")
            #expect(listing.version != versionBefore, "a version from before the restart never matches one after it")
            let status = try await controller.control.status()
            #expect(status.network == "10.50.0.0/24")
            #expect(status.caFingerprint == statusBefore.caFingerprint)
            #expect(controller.ca.fingerprint == token.caFingerprint)

            // The node's certificate from before the restart still authenticates.
            let alpha = try controller.client(nodes[0])
            let roster = try await alpha.roster(listenPort: 7001)
            #expect(!roster.unchanged)
            #expect(roster.nodes?.map(\.name) == ["alpha"])
            #expect(roster.nodes?.first?.overlayIP == nodes[0].overlayIP)
            #expect(try await controller.control.node("alpha")?.active == true)

            // The token still has its last use; the nonce from before is gone; the names are still taken.
            let client = controller.enrollment(token)
            let stale = try await Connect.with(client.connect) { connection in
                try await client.submit(try client.request(name: "charlie", nonce: pendingNonce, key: try PrivateKey.generate()),
                                        on: connection)
            }
            #expect(Refusal(stale).code == "nonce_invalid")
            let taken = try await #require(throws: Refusal.self) { try await client.enroll("bravo") }
            #expect(taken.code == "name_taken")
            let ipTaken = try await #require(throws: Refusal.self) { try await client.enroll("charlie", requestedIP: "10.50.0.77") }
            #expect(ipTaken.code == "ip_taken")
            #expect(try await controller.control.storedState() == before)
            let charlie = try await client.enroll("charlie")
            #expect(charlie.overlayIP == "10.50.0.2")
            #expect(try await controller.control.token(token.id)?.usesLeft == 0)
        }
    }

    @Test("a restart with the same --network is accepted")
    func sameNetworkAccepted() async throws {
        try await withController(.init(network: "10.50.0.0/24")) { controller in
            _ = try await controller.enroll("alpha")
            try await controller.restart()
            #expect(try await controller.control.status().network == "10.50.0.0/24")
            #expect(try await controller.control.roster().nodes.map(\.name) == ["alpha"])
        }
    }
}
