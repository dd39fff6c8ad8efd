import Testing
import OverlayTLS
@testable import OverlayDataPlane

@Suite("packet protection")
struct PacketProtectionTests {
    static func material(_ cipher: DataCipher) -> [UInt8] { (0..<SessionKeyMaterial.length(cipher)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) } }

    @Test("the two ends of a session get mirrored halves: one's send key is the other's receive key", arguments: DataCipher.allCases)
    func mirrored(cipher: DataCipher) throws {
        let bytes = Self.material(cipher)
        let client = try #require(SessionKeyMaterial(exported: bytes, cipher: cipher, isClient: true))
        let server = try #require(SessionKeyMaterial(exported: bytes, cipher: cipher, isClient: false))
        #expect(client.send.key == server.receive.key && client.send.iv == server.receive.iv && client.send.keyID == server.receive.keyID)
        #expect(server.send.key == client.receive.key && server.send.keyID == client.receive.keyID)
        #expect(client.send.key != client.receive.key && client.send.keyID != client.receive.keyID)
        #expect(client.send.key.count == cipher.keyLength)
        #expect(SessionKeyMaterial(exported: Array(bytes.dropLast()), cipher: cipher, isClient: true) == nil)
    }

    @Test("the exporter context names both nodes in dialing order")
    func context() {
        #expect(SessionKeyMaterial.context(client: "alice", server: "bob") != SessionKeyMaterial.context(client: "bob", server: "alice"))
        #expect(SessionKeyMaterial.context(client: "ab", server: "c") != SessionKeyMaterial.context(client: "a", server: "bc"))
    }

    /// Seals `plain` as the send worker does and returns the datagram.
    static func seal(_ aead: PacketAEAD, keyID: UInt32, counter: UInt64, _ plain: [UInt8]) -> [UInt8] {
        var datagram = [UInt8](repeating: 0, count: DataPacketFormat.overhead + plain.count)
        datagram.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress!
            DataPacketFormat.writeHeader(to: p, keyID: keyID, counter: counter)
            (p + 16).copyMemory(from: plain, byteCount: plain.count)
            #expect(aead.seal(counter: counter, aad: p, aadLength: 16, text: p + 16, length: plain.count, tag: p + 16 + plain.count))
        }
        return datagram
    }

    static func open(_ aead: PacketAEAD, _ datagram: [UInt8]) -> [UInt8]? {
        var d = datagram
        let n = d.count - DataPacketFormat.overhead
        let ok = d.withUnsafeMutableBytes { raw -> Bool in
            let p = raw.baseAddress!
            return aead.open(counter: DataPacketFormat.readCounter(p), aad: p, aadLength: 16, text: p + 16, length: n, tag: p + 16 + n)
        }
        return ok ? Array(d[16..<(16 + n)]) : nil
    }

    @Test("seal then open round-trips; any flipped bit in header, body or tag, or another key, fails", arguments: DataCipher.allCases)
    func roundTrip(cipher: DataCipher) throws {
        let keys = try #require(SessionKeyMaterial(exported: Self.material(cipher), cipher: cipher, isClient: true))
        let sealer = try PacketAEAD(cipher: cipher, key: keys.send.key, iv: keys.send.iv, encrypting: true)
        let opener = try PacketAEAD(cipher: cipher, key: keys.send.key, iv: keys.send.iv, encrypting: false)
        let other = try PacketAEAD(cipher: cipher, key: keys.receive.key, iv: keys.receive.iv, encrypting: false)
        let plain = (0..<1420).map { UInt8(truncatingIfNeeded: $0) }
        for counter: UInt64 in [0, 1, 77, 1 << 40] {
            let d = Self.seal(sealer, keyID: keys.send.keyID, counter: counter, plain)
            #expect(DataPacketFormat.readKeyID(d) == keys.send.keyID)
            #expect(DataPacketFormat.readCounter(d) == counter)
            #expect(d[16..<(16 + 64)].elementsEqual(plain.prefix(64)) == false, "the body is encrypted")
            #expect(Self.open(opener, d) == plain)
            #expect(Self.open(other, d) == nil)
            for index in [0, 4, 9, 15, 16, 700, d.count - 1] {
                var bad = d
                bad[index] ^= 0x01
                #expect(Self.open(opener, bad) == nil, "flipped byte \(index) of counter \(counter)")
            }
        }
        // The nonce follows the counter: the same plaintext under two counters gives different bytes.
        #expect(Self.seal(sealer, keyID: 1, counter: 5, plain) != Self.seal(sealer, keyID: 1, counter: 6, plain))
    }

    @Test("the header: type 1, three zero bytes, key id and counter big-endian")
    func header() {
        var h = [UInt8](repeating: 0xee, count: 16)
        h.withUnsafeMutableBytes { DataPacketFormat.writeHeader(to: $0.baseAddress!, keyID: 0x0102_0304, counter: 0x0a0b_0c0d_0e0f_1011) }
        #expect(h == [1, 0, 0, 0, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11])
        #expect(h.withUnsafeBytes { DataPacketFormat.isData($0.baseAddress!) })
        h[2] = 1
        #expect(!h.withUnsafeBytes { DataPacketFormat.isData($0.baseAddress!) })
    }
}
