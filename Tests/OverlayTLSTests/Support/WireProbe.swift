import NIOCore
import Synchronization

/// Sits below the TLS handler and records the ciphertext traffic's shape:
/// sizes of reads and writes, and whether the TLS handler asked to close.
/// Lets a test see close_notify on the wire without decrypting anything: a
/// TLS 1.3 close_notify is one 24-byte record (5 header + 2 alert + 1 inner
/// content type + 16 tag).
final class WireProbe: ChannelDuplexHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Event: Sendable, Equatable { case read(Int), write(Int), close }

    static let closeNotifyRecordSize = 24

    private let events = Mutex<[Event]>([])

    var recorded: [Event] { events.withLock { $0 } }

    /// The last ciphertext write before the TLS handler closed the socket.
    var lastWriteBeforeClose: Int? {
        let events = recorded
        let closeIndex = events.firstIndex(of: .close) ?? events.endIndex
        for event in events[..<closeIndex].reversed() {
            if case .write(let n) = event, n > 0 { return n }
        }
        return nil
    }

    /// Ciphertext bytes read after our last write and before the TLS handler closed.
    var bytesReadAfterLastWrite: Int {
        let events = recorded
        let closeIndex = events.firstIndex(of: .close) ?? events.endIndex
        var total = 0
        for event in events[..<closeIndex].reversed() {
            switch event {
            case .read(let n): total += n
            case .write(let n) where n > 0: return total
            default: continue
            }
        }
        return total
    }

    var sawClose: Bool { recorded.contains(.close) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let n = unwrapInboundIn(data).readableBytes
        events.withLock { $0.append(.read(n)) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let n = unwrapOutboundIn(data).readableBytes
        events.withLock { $0.append(.write(n)) }
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        events.withLock { $0.append(.close) }
        context.close(mode: mode, promise: promise)
    }
}
