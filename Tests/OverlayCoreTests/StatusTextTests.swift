import Foundation
@testable import OverlayController
@testable import OverlayNode
import OverlayCore
import Testing

/// The exact STATUS= lines `systemctl status` shows (docs/operations.md lists them).
@Suite struct StatusTextTests {
    @Test func nodeBeforeTheFirstRoster() {
        #expect(NodeStatusText.make(name: "alice", overlayIP: "100.64.0.5", rosterVersion: nil, peers: 0, peersUp: 0,
                                    controllerUnreachableSince: nil) == "enrolled as alice (100.64.0.5), waiting for roster")
    }

    @Test func nodeWithARoster() {
        #expect(NodeStatusText.make(name: "alice", overlayIP: "100.64.0.5", rosterVersion: "1a2b3c4d-42", peers: 3, peersUp: 3,
                                    controllerUnreachableSince: nil) == "3/3 peers up, roster v42")
    }

    @Test func nodeThatLostItsController() throws {
        var parts = DateComponents()
        parts.year = 2026; parts.month = 11; parts.day = 30; parts.hour = 12; parts.minute = 3; parts.second = 4
        let since = try #require(Calendar.current.date(from: parts))
        #expect(NodeStatusText.make(name: "alice", overlayIP: "100.64.0.5", rosterVersion: "1a2b3c4d-42", peers: 3, peersUp: 2,
                                    controllerUnreachableSince: since) == "2/3 peers up, roster v42, controller unreachable since 12:03:04")
    }

    @Test func controller() {
        #expect(ControllerStatusText.make(active: 5, registered: 7, rosterVersion: "1a2b3c4d-42") == "5 active / 7 registered nodes, roster v42")
    }

    @Test func rosterVersionLabels() {
        #expect(RosterVersionLabel.short("1a2b3c4d-42") == "42")
        #expect(RosterVersionLabel.short("opaque") == "opaque")
    }
}
