import Foundation
import OverlayNode
import OverlayProtocol
import Testing

@Suite struct PeerHealthTests {
    @Test func startsUnknownThenFollowsExchanges() {
        var h = PeerHealth()
        #expect(h.state == .unknown)
        let t = Date(timeIntervalSince1970: 1_000)
        h.pong(rttMs: 8, at: t)
        #expect(h.state == .up)
        #expect(h.lastRTT == 8 && h.smoothedRTT == 8 && h.lastPong == t)
        h.miss("timeout: no PONG within 5000ms")
        h.miss("connection refused by peer (nothing listening)")
        #expect(h.state == .down)
        #expect(h.consecutiveFailures == 2)
        #expect(h.lastError == "connection refused by peer (nothing listening)")
        #expect(h.lastPong == t)
        h.pong(rttMs: 16, at: t.addingTimeInterval(15))
        #expect(h.state == .up && h.consecutiveFailures == 0 && h.lastError == nil)
        #expect(h.smoothedRTT == 9)   // 8 + (16 - 8) / 8
    }
}

@Suite struct JoinTokenTests {
    let token = JoinToken(controllers: ["127.0.0.1:7443"], caFingerprint: String(repeating: "ab", count: 32), id: "0123456789abcdef",
                          secret: Base64URL.encode(Array(repeating: 7, count: 32)))

    @Test func roundTrips() throws {
        let parsed = try JoinToken(parsing: "  " + token.encoded + "\n")
        #expect(parsed == token)
        #expect(parsed.secretBytes == Array(repeating: 7, count: 32))
    }

    @Test func refusesForeignOrDamagedText() {
        #expect(throws: TokenFormatError.self) { try JoinToken(parsing: "hello") }
        #expect(throws: TokenFormatError.self) { try JoinToken(parsing: String(token.encoded.dropLast(10))) }
        let noController = JoinToken(controllers: [], caFingerprint: token.caFingerprint, id: token.id, secret: token.secret)
        #expect(throws: TokenFormatError.self) { try JoinToken(parsing: noController.encoded) }
    }
}
