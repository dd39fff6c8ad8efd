import CTun
import Glibc

/// Peers → TUN, one thread per UDP socket: read a train of datagrams (UDP_GRO),
/// open each in place, check the replay window and that the inner source is
/// the peer's own overlay IP, then merge consecutive TCP segments back into a
/// super-segment so the TUN takes one write for many packets.
final class ReceiveWorker: @unchecked Sendable {  // confined to its own thread after start
    let index: Int
    let tunFD: Int32
    let udpFD: Int32
    let context: WorkerContext
    private let capacity = 65_535 + 64
    private let buffer: UnsafeMutableRawPointer
    private let coalescer: TCPCoalescer

    init(index: Int, tunFD: Int32, udpFD: Int32, context: WorkerContext) {
        self.index = index; self.tunFD = tunFD; self.udpFD = udpFD; self.context = context
        // Checksums are not verified again here: the inner source must be the sending peer itself (checked
        // above, under its key), so a segment can only be what that peer's own stack made and sealed.
        coalescer = TCPCoalescer(verifyChecksums: false)
        buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func run() {
        var table = context.rx.value
        var seen: UInt64 = 0
        var from = sockaddr_storage()
        var fromLength = socklen_t(0)
        var segmentSize: Int32 = 0
        while !context.isStopping {
            let n = ctun_udp_recv(udpFD, buffer, capacity, &from, &fromLength, &segmentSize)
            if n < 0 {
                if n == -Int(EAGAIN) {
                    // Idle: wait, and let go of tables (and the keys in them) replaced meanwhile.
                    _ = ctun_wait_readable(udpFD, 200)
                    context.rx.refresh(&table, seen: &seen)
                    continue
                }
                if n == -Int(EBADF) { return }
                continue
            }
            context.rx.refresh(&table, seen: &seen)
            let source = DataEndpoint(storage: from, length: fromLength)
            let now = MonotonicClock.now()
            let step = segmentSize > 0 ? Int(segmentSize) : n
            var offset = 0
            var roamChecked: RxKey?
            while offset < n {
                let length = min(step, n - offset)
                handle(buffer + offset, length, table: table, now: now, source: source, roamChecked: &roamChecked)
                offset += length
            }
            flush()
        }
    }

    @inline(__always)
    private func handle(_ p: UnsafeMutableRawPointer, _ length: Int, table: RxTable, now: UInt64, source: DataEndpoint,
                        roamChecked: inout RxKey?) {
        let counters = context.counters
        guard let header = DataPacketFormat.header(of: p, length: length) else { counters.drop(.malformed); return }
        let counter = header.counter
        guard let key = table.keys[header.keyID], now < key.rejectAt else { counters.drop(.unknownKey); return }
        let inner = length - DataPacketFormat.overhead
        let text = p + DataPacketFormat.headerLength
        guard key.contexts[index].open(counter: counter, aad: p, aadLength: DataPacketFormat.headerLength,
                                       text: text, length: inner, tag: text + inner) else {
            counters.drop(.authenticationFailed); return
        }
        guard key.window.withLock({ $0.check(counter) }) == .accepted else { counters.drop(.replay); return }
        guard IPv4.version(text) == 4 else { counters.drop(.wrongDestination); return }
        let total = IPv4.totalLength(text)
        guard total >= 20, total <= inner else { counters.drop(.malformed); return }
        guard IPv4.source(text) == key.peer.overlayIP else { counters.drop(.spoofedSource); return }
        guard IPv4.destination(text) == context.localIP else { counters.drop(.wrongDestination); return }
        if roamChecked !== key {
            roamChecked = key
            let moved = key.lastSource.withLock { last -> Bool in
                defer { last = source }
                return last != source
            }
            if moved { context.onRoam(key.peer, source) }
        }
        key.peer.rxPackets.add(1)
        key.peer.rxBytes.add(UInt64(total))
        key.peer.lastRx.store(now)
        let packet = UnsafeRawBufferPointer(start: text, count: total)
        if !coalescer.append(packet) {
            flush()
            _ = coalescer.append(packet)
        }
    }

    @inline(__always)
    private func flush() {
        guard !coalescer.isEmpty else { return }
        coalescer.flush { bytes in
            if ctun_write(tunFD, bytes.baseAddress, bytes.count) < 0 { context.counters.drop(.sendFailed) }
        }
    }
}
