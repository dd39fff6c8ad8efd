import NIOCore

/// Bytes → `PeerFrame`. Refuses unknown versions and oversized lengths before
/// buffering the payload, so a hostile peer cannot make us hold more than
/// `maxPayload` bytes.
public struct PeerFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PeerFrame

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Parses one frame if complete; nil when more bytes are needed.
    public static func parse(_ buffer: inout ByteBuffer) throws -> PeerFrame? {
        guard buffer.readableBytes >= 4,
              let version = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let type = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return nil }
        guard version == PeerFrame.version else { throw PeerFrameError.unsupportedVersion(version) }
        guard Int(length) <= PeerFrame.maxPayload else { throw PeerFrameError.oversized(Int(length)) }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        var payload = buffer.readSlice(length: Int(length))!
        switch PeerFrame.Kind(rawValue: type) {
        case .ping:
            guard length == 16, let seq = payload.readInteger(as: UInt64.self),
                  let sent = payload.readInteger(as: UInt64.self) else { throw PeerFrameError.malformed("PING payload must be 16 bytes") }
            return .ping(seq: seq, sentAt: sent)
        case .pong:
            guard length == 24, let seq = payload.readInteger(as: UInt64.self), let sent = payload.readInteger(as: UInt64.self),
                  let answered = payload.readInteger(as: UInt64.self) else { throw PeerFrameError.malformed("PONG payload must be 24 bytes") }
            return .pong(seq: seq, sentAt: sent, answeredAt: answered)
        case .error:
            // Strict UTF-8 (what every sender writes): decoding bad bytes to U+FFFD would make a text
            // that no longer encodes to the bytes it came from, and can outgrow the payload limit.
            let bytes = payload.readableBytesView
            let text = String(decoding: bytes, as: UTF8.self)
            guard text.utf8.elementsEqual(bytes) else { throw PeerFrameError.malformed("ERROR text is not UTF-8") }
            return .error(text)
        case nil:
            throw PeerFrameError.unknownType(type)
        }
    }
}

/// `PeerFrame` → bytes.
public struct PeerFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerFrame

    public init() {}

    public func encode(data: PeerFrame, out: inout ByteBuffer) throws {
        Self.write(data, to: &out)
    }

    public static func write(_ frame: PeerFrame, to out: inout ByteBuffer) {
        out.writeInteger(PeerFrame.version)
        switch frame {
        case .ping(let seq, let sent):
            out.writeInteger(PeerFrame.Kind.ping.rawValue)
            out.writeInteger(UInt16(16))
            out.writeInteger(seq); out.writeInteger(sent)
        case .pong(let seq, let sent, let answered):
            out.writeInteger(PeerFrame.Kind.pong.rawValue)
            out.writeInteger(UInt16(24))
            out.writeInteger(seq); out.writeInteger(sent); out.writeInteger(answered)
        case .error(let message):
            let bytes = Array(message.utf8.prefix(utf8Length(of: message, upTo: PeerFrame.maxPayload)))
            out.writeInteger(PeerFrame.Kind.error.rawValue)
            out.writeInteger(UInt16(bytes.count))
            out.writeBytes(bytes)
        }
    }

    /// How many bytes of `text`'s UTF-8 fit in `limit` without cutting a character's encoding in
    /// two: a cut one would not read back as text.
    static func utf8Length(of text: String, upTo limit: Int) -> Int {
        var length = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if length + width > limit { break }
            length += width
        }
        return length
    }
}
