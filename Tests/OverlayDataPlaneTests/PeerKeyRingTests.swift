import Testing
import OverlayTLS
@testable import OverlayDataPlane

@Suite("key rotation")
struct PeerKeyRingTests {
    static let peer = DataPeer(name: "bob", overlayIP: 0xc613_0002, fingerprint: "ab")

    static func keys(_ id: UInt32, created: UInt64, lifetime: UInt64 = 180) throws -> (TxKey, RxKey) {
        let k = [UInt8](repeating: UInt8(id & 0xff), count: 16), iv = [UInt8](repeating: 7, count: 12)
        let tx = TxKey(keyID: id, contexts: [try PacketAEAD(cipher: .aes128gcm, key: k, iv: iv, encrypting: true)],
                       createdAt: created, rejectAt: created + lifetime)
        let rx = RxKey(keyID: id | 0x8000_0000, peer: peer, contexts: [try PacketAEAD(cipher: .aes128gcm, key: k, iv: iv, encrypting: false)],
                       createdAt: created, rejectAt: created + lifetime)
        return (tx, rx)
    }

    @Test("a dialer's send key waits for confirmation; the previous key carries traffic meanwhile")
    func confirmation() throws {
        var ring = PeerKeyRing()
        let (tx1, rx1) = try Self.keys(1, created: 0)
        ring.install(send: tx1, confirmed: true, receive: rx1)
        let (tx2, rx2) = try Self.keys(2, created: 100)
        ring.install(send: tx2, confirmed: false, receive: rx2)
        #expect(ring.currentSend(now: 120)?.keyID == 1, "unconfirmed key 2 must not be used yet")
        #expect(ring.liveReceive(now: 120).map(\.keyID).sorted() == [rx1.keyID, rx2.keyID], "both receive keys overlap")
        let first = ring.confirm(2), second = ring.confirm(2), unknown = ring.confirm(99)
        #expect(first)
        #expect(!second, "confirming twice changes nothing")
        #expect(!unknown)
        #expect(ring.currentSend(now: 120)?.keyID == 2)
    }

    @Test("keys past their lifetime are neither used nor accepted, and expire() removes them")
    func lifetime() throws {
        var ring = PeerKeyRing()
        let (tx1, rx1) = try Self.keys(1, created: 0)
        let (tx2, rx2) = try Self.keys(2, created: 100)
        ring.install(send: tx1, confirmed: true, receive: rx1)
        ring.install(send: tx2, confirmed: true, receive: rx2)
        #expect(ring.liveReceive(now: 179).count == 2)
        #expect(ring.liveReceive(now: 180).map(\.keyID) == [rx2.keyID], "key 1 ends at its reject time")
        let expired = ring.expire(now: 180), again = ring.expire(now: 180)
        #expect(expired)
        #expect(!again)
        #expect(ring.send.count == 1 && ring.receive.count == 1)
        #expect(ring.currentSend(now: 280) == nil, "the last key is gone too at 280")
    }

    @Test("only the newest few sessions are kept")
    func bounded() throws {
        var ring = PeerKeyRing()
        for id in 1...UInt32(PeerKeyRing.limit + 3) {
            let (tx, rx) = try Self.keys(id, created: UInt64(id))
            ring.install(send: tx, confirmed: true, receive: rx)
        }
        #expect(ring.receive.count == PeerKeyRing.limit)
        #expect(ring.currentSend(now: 10)?.keyID == UInt32(PeerKeyRing.limit + 3))
        #expect(!ring.holdsReceive(1 | 0x8000_0000) && ring.holdsReceive(UInt32(PeerKeyRing.limit + 3) | 0x8000_0000))
    }

    @Test("a run of unconfirmed sessions (PINGs that never came back) cannot evict the confirmed key in use")
    func unconfirmedGoFirst() throws {
        var ring = PeerKeyRing()
        let (tx1, rx1) = try Self.keys(1, created: 0)
        ring.install(send: tx1, confirmed: true, receive: rx1)
        for id in 2...UInt32(PeerKeyRing.limit + 5) {
            let (tx, rx) = try Self.keys(id, created: UInt64(id))
            ring.install(send: tx, confirmed: false, receive: rx)
        }
        #expect(ring.send.count == PeerKeyRing.limit)
        #expect(ring.currentSend(now: 20)?.keyID == 1, "the only confirmed key was evicted")
    }
}
