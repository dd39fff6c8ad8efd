import Foundation
@testable import OverlayNode
import OverlayProtocol
import Testing

/// What a roster answer changed, as the node hands it to the ping scheduler
/// (a peer that joined or changed is PINGed at once), and results of an
/// exchange with a roster entry that has since been replaced.
@Suite struct RosterChangeTests {
    func entry(_ name: String, port: Int = 7444, fingerprint: String? = nil) -> RosterEntry {
        RosterEntry(name: name, overlayIP: "100.64.0.9", endpoint: "198.18.0.9:\(port)", fingerprint: fingerprint ?? "f-\(name)")
    }

    @Test("joined, left, and changed endpoint or certificate are told apart; an unchanged peer or answer is no change")
    func changesAreTold() {
        let cache = RosterCache()
        #expect(cache.update(version: "1", entries: [entry("alice"), entry("bob")]) == RosterChange(joined: ["alice", "bob"]))
        #expect(cache.update(version: "1", entries: nil).isEmpty, "an unchanged answer")
        #expect(cache.update(version: "2", entries: [entry("alice"), entry("bob")]).isEmpty, "the same entries again")
        let change = cache.update(version: "3", entries: [entry("alice", port: 7555), entry("bob", fingerprint: "renewed"), entry("carol")])
        #expect(change == RosterChange(joined: ["carol"], changed: ["alice", "bob"]))
        #expect(cache.update(version: "4", entries: [entry("carol")]) == RosterChange(left: ["alice", "bob"]))
    }

    @Test("a result about an endpoint or certificate the roster has replaced is not recorded against the peer now")
    func staleResultsAreIgnored() {
        let book = PeerHealthBook(forgetAfter: 3600)
        let old = entry("bob"), moved = entry("bob", port: 7555)
        _ = book.sync(with: [old], selfName: "alice")
        #expect(book.record("bob", fingerprint: old.fingerprint, endpoint: old.endpoint) { $0.pong(rttMs: 1, at: Date()) })
        _ = book.sync(with: [moved], selfName: "alice")
        let late = book.record("bob", fingerprint: old.fingerprint, endpoint: old.endpoint) { $0.miss("connection refused") }
        #expect(!late, "the PING to the old endpoint failed after the roster moved bob")
        #expect(book.statuses().first?.state == "up", "bob is judged by PINGs to where it is now")
        #expect(book.record("bob", fingerprint: moved.fingerprint, endpoint: moved.endpoint) { $0.miss("timeout") })
        #expect(book.statuses().first?.state == "down")
    }
}
