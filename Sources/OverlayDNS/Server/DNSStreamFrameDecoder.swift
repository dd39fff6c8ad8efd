import NIOCore

/// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message behind a two-byte length.
/// A length past what any query needs closes the connection rather than buffering it.
struct DNSStreamFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    enum FrameError: Error, CustomStringConvertible {
        case tooLong(Int)
        var description: String {
            switch self {
            case .tooLong(let n): return "a \(n)-byte DNS query over TCP is longer than the \(DNSResponder.maxQuerySize) bytes any query needs"
            }
        }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
        guard Int(length) <= DNSResponder.maxQuerySize else { throw FrameError.tooLong(Int(length)) }
        guard buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let message = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }
}
