import NIOCore
import OverlayProtocol
import Testing

@Suite struct PeerFrameCodecTests {
    func encode(_ frame: PeerFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        PeerFrameEncoder.write(frame, to: &buffer)
        return buffer
    }

    @Test(arguments: [PeerFrame.ping(seq: 7, sentAt: 123_456_789), .pong(seq: 7, sentAt: 1, answeredAt: 1_700_000_000_000),
                      .error("alice is not on this node's active roster")])
    func roundTrips(_ frame: PeerFrame) throws {
        var buffer = encode(frame)
        #expect(try PeerFrameDecoder.parse(&buffer) == frame)
        #expect(buffer.readableBytes == 0)
    }

    @Test func waitsForAWholeFrameByteByByte() throws {
        let whole = encode(.pong(seq: 42, sentAt: 9, answeredAt: 10))
        var partial = ByteBuffer()
        for byte in whole.readableBytesView.dropLast() {
            partial.writeInteger(byte)
            #expect(try PeerFrameDecoder.parse(&partial) == nil)
        }
        partial.writeInteger(whole.readableBytesView.last!)
        #expect(try PeerFrameDecoder.parse(&partial) == .pong(seq: 42, sentAt: 9, answeredAt: 10))
    }

    @Test func pingIsTwentyBytesOnTheWire() {
        #expect(encode(.ping(seq: 1, sentAt: 2)).readableBytes == 20)
    }

    @Test func refusesAnotherVersion() {
        var buffer = encode(.ping(seq: 1, sentAt: 2))
        buffer.setInteger(UInt8(2), at: 0)
        #expect(throws: PeerFrameError.unsupportedVersion(2)) { try PeerFrameDecoder.parse(&buffer) }
    }

    @Test func refusesAnOversizedLengthBeforeBufferingThePayload() {
        var buffer = ByteBuffer(bytes: [1, 3, 0xff, 0xff])
        #expect(throws: PeerFrameError.oversized(65_535)) { try PeerFrameDecoder.parse(&buffer) }
    }

    @Test func refusesAnUnknownType() {
        var buffer = ByteBuffer(bytes: [1, 9, 0, 0])
        #expect(throws: PeerFrameError.unknownType(9)) { try PeerFrameDecoder.parse(&buffer) }
    }

    @Test func refusesAPingWithTheWrongPayloadSize() {
        var buffer = ByteBuffer(bytes: [1, 1, 0, 3, 0, 0, 0])
        #expect(throws: PeerFrameError.self) { try PeerFrameDecoder.parse(&buffer) }
    }

    /// FuzzPeerFrame's first find: text bytes that are not UTF-8 read as U+FFFD, so the frame no longer
    /// encoded to the bytes it came from (and such a text could outgrow the payload limit once re-encoded).
    @Test func refusesAnErrorTextThatIsNotUTF8() {
        var buffer = ByteBuffer(bytes: [0x01, 0x03, 0x00, 0x1c, 0x62, 0xcd, 0x15, 0xc3, 0xb8, 0x62, 0x20, 0x6e, 0x27, 0x65, 0x73, 0x74,
                                        0x20, 0x02, 0x20, 0x73, 0x20, 0x61, 0x63, 0x74, 0x69, 0x66, 0x20, 0xe2, 0x80, 0x94, 0x20,
                                        0xe2, 0x98, 0x83])
        #expect(throws: PeerFrameError.malformed("ERROR text is not UTF-8")) { try PeerFrameDecoder.parse(&buffer) }
    }

    @Test func cutsALongErrorTextBetweenCharacters() throws {
        let text = "a" + String(repeating: "é", count: 600)  // 1201 bytes: byte 1024 is the middle of an é
        var buffer = encode(.error(text))
        #expect(buffer.readableBytes == 4 + 1023)
        #expect(try PeerFrameDecoder.parse(&buffer) == .error("a" + String(repeating: "é", count: 511)))
    }
}
