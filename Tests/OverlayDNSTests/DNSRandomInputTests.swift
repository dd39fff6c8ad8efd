@testable import OverlayDNS
import Testing

/// A deterministic stand-in for the fuzzer in `make test`: random and mutated queries
/// through the responder and the reader, checking only that nothing traps and that
/// every answer is a well-formed response to the query that caused it.
@Suite struct DNSRandomInputTests {
    static let seeds: [[UInt8]] = [
        DNSFixture.query("bob.overlay.internal", edns: DNSFixture.opt()),
        DNSFixture.query("BOB.overlay.INTERNAL", type: 28),
        DNSFixture.query("2.0.19.198.in-addr.arpa", type: 12, edns: DNSFixture.opt(dnssecOK: true)),
        DNSFixture.query("overlay.internal", type: 6),
        DNSFixture.query("x.y.overlay.internal", type: 255, qclass: 255),
        DNSFixture.query("example.com"),
        DNSFixture.header() + [1, 0x61, 0xC0, 12, 0, 1, 0, 1],
        DNSFixture.header(id: 0) + [0xC0, 0, 0, 1, 0, 1],
    ]

    func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0 ... Int.random(in: 0 ..< 4, using: &rng) {
            switch Int.random(in: 0 ..< 7, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0 ..< bytes.count, using: &rng)] = UInt8.random(in: 0 ... 255, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes[Int.random(in: 0 ..< bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0 ..< 8, using: &rng)
            case 2:
                bytes.insert(UInt8.random(in: 0 ... 255, using: &rng), at: Int.random(in: 0 ... bytes.count, using: &rng))
            case 3 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0 ..< bytes.count, using: &rng))
            case 4:
                bytes = Array(bytes.prefix(Int.random(in: 0 ... bytes.count, using: &rng)))
            case 5 where bytes.count > 13:
                // A compression pointer somewhere in the question, to anywhere.
                let at = Int.random(in: 12 ..< bytes.count - 1, using: &rng)
                bytes[at] = 0xC0 | UInt8.random(in: 0 ... 3, using: &rng)
                bytes[at + 1] = UInt8.random(in: 0 ... 255, using: &rng)
            case 6 where bytes.count > 12:
                // Section counts from the interesting few.
                bytes[4 + 2 * Int.random(in: 0 ..< 4, using: &rng)] = 0
                bytes[5 + 2 * Int.random(in: 0 ..< 4, using: &rng)] = [0, 1, 2, 255].randomElement(using: &rng)!
            default:
                break
            }
        }
        return bytes
    }

    @Test func twentyThousandRandomAndMutatedInputs() throws {
        var rng = SeededGenerator(state: 0x0DD5_EED5)
        let zone = DNSFixture.zone()
        var outcomes: [DNSOutcome: Int] = [:]
        for round in 0 ..< 20_000 {
            let input: [UInt8]
            if round % 4 == 0 {
                input = (0 ..< Int.random(in: 0 ..< 300, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            } else {
                input = mutate(Self.seeds[round % Self.seeds.count], &rng)
            }
            for transport in [DNSTransport.udp, .tcp] {
                let reply = DNSResponder.respond(to: input, zone: round % 10 == 9 ? nil : zone, transport: transport)
                outcomes[reply.outcome, default: 0] += 1
                #expect((reply.bytes == nil) == (reply.outcome == .dropped))
                guard let bytes = reply.bytes else { continue }
                #expect(bytes.count >= 12 && input.count >= 12)
                let id = UInt16(input[0]) << 8 | UInt16(input[1])
                #expect(ResponseHeader(bytes).id == id && ResponseHeader(bytes).qr)
                if transport == .udp { #expect(bytes.count <= 1232) }
                // Our own answers must always read back cleanly.
                #expect(throws: Never.self, "round \(round): \(input)") { try DNSAnswerReader.read(bytes, expectingID: id) }
            }
            _ = try? DNSAnswerReader.read(input, expectingID: 0)
        }
        // The mutations must reach every kind of answer, or the test proves little.
        for outcome in [DNSOutcome.answer, .nodata, .nxdomain, .refused, .formerr, .notimp, .dropped, .servfail] {
            #expect(outcomes[outcome, default: 0] > 0, "no \(outcome)")
        }
    }
}
