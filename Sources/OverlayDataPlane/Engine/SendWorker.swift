import CTun
import Glibc

/// TUN → peers, one thread per TUN queue: read a packet or TCP super-segment,
/// find the peer by destination, cut it into MTU-sized packets, seal each in
/// place and hand them to the kernel in one UDP_SEGMENT send. Buffers are
/// allocated once; the tables are read without a lock.
final class SendWorker: @unchecked Sendable {  // confined to its own thread after start
    let index: Int
    let tunFD: Int32
    let udpFD: Int32
    let context: WorkerContext
    private let readCapacity = VirtioNetHeader.size + 65_535 + 64
    private let read: UnsafeMutableRawPointer
    /// Room for 64 KB cut into the smallest sensible segments, each with header and tag.
    private let outCapacity = 256 * 1024
    private let out: UnsafeMutableRawPointer
    private let reply: UnsafeMutableRawPointer
    static let maxSegmentsPerSend = 64
    static let maxTrainBytes = 65_507

    init(index: Int, tunFD: Int32, udpFD: Int32, context: WorkerContext) {
        self.index = index; self.tunFD = tunFD; self.udpFD = udpFD; self.context = context
        read = .allocate(byteCount: readCapacity, alignment: 16)
        out = .allocate(byteCount: outCapacity, alignment: 16)
        reply = .allocate(byteCount: 256, alignment: 16)
    }

    deinit { read.deallocate(); out.deallocate(); reply.deallocate() }

    func run() {
        var table = context.tx.value
        var seen: UInt64 = 0
        while !context.isStopping {
            let n = ctun_read(tunFD, read, readCapacity)
            if n < 0 {
                if n == -Int(EAGAIN) {
                    // Idle: wait, and let go of tables (and the keys in them) replaced meanwhile.
                    _ = ctun_wait_readable(tunFD, 200)
                    context.tx.refresh(&table, seen: &seen)
                    continue
                }
                if n == -Int(EBADF) { return }
                continue
            }
            context.tx.refresh(&table, seen: &seen)
            handle(length: n, table: table)
        }
    }

    @inline(__always)
    private func handle(length n: Int, table: TxTable) {
        let counters = context.counters
        guard n >= VirtioNetHeader.size + 20 else { counters.drop(.unroutable); return }
        let header = VirtioNetHeader(reading: read)
        let packet = read + VirtioNetHeader.size
        let length = n - VirtioNetHeader.size
        guard IPv4.version(packet) == 4 else { counters.drop(.unroutable); return }
        let destination = IPv4.destination(packet)
        guard let route = table.routes[destination] else {
            if context.isPeerAddress(destination) { answer(packet, length, code: ICMPReply.hostUnreachable) }
            counters.drop(.noPeer)
            return
        }
        if header.gsoType == VirtioNetHeader.gsoNone && length > context.mtu {
            if IPv4.dontFragment(packet) { answer(packet, length, code: ICMPReply.fragmentationNeeded) }
            counters.drop(.tooBig)
            return
        }
        guard let key = route.key, let endpoint = route.endpoint, MonotonicClock.now() < key.rejectAt else {
            counters.drop(.noKey)
            return
        }
        let layout = SegmentLayout(base: out, capacity: outCapacity, headroom: DataPacketFormat.headerLength,
                                   tailroom: DataPacketFormat.tagLength)
        let split: SplitResult
        do {
            split = try SegmentSplitter.split(header: header, packet: UnsafeRawBufferPointer(start: packet, count: length), into: layout)
        } catch {
            counters.drop(.unroutable)
            return
        }
        guard split.count > 0, let first = key.reserve(split.count) else { counters.drop(.noKey, count: UInt64(max(1, split.count))); return }
        let aead = key.contexts[index]
        var innerBytes = 0
        for i in 0..<split.count {
            let segment = out + i * split.stride
            let inner = i == split.count - 1 ? split.lastLength : split.segmentLength
            DataPacketFormat.writeHeader(to: segment, keyID: key.keyID, counter: first &+ UInt64(i))
            let text = segment + DataPacketFormat.headerLength
            guard aead.seal(counter: first &+ UInt64(i), aad: segment, aadLength: DataPacketFormat.headerLength,
                            text: text, length: inner, tag: text + inner) else {
                counters.drop(.sendFailed, count: UInt64(split.count))
                return
            }
            innerBytes &+= inner
        }
        send(split, to: endpoint)
        route.peer.txPackets.add(UInt64(split.count))
        route.peer.txBytes.add(UInt64(innerBytes))
        route.peer.lastTx.store(MonotonicClock.now())
    }

    /// Sends the sealed segments in trains the kernel takes in one UDP_SEGMENT send: at most
    /// 64 datagrams and one UDP datagram's worth of bytes (65,507) per train.
    @inline(__always)
    private func send(_ split: SplitResult, to endpoint: DataEndpoint) {
        let lastDatagram = split.lastLength + DataPacketFormat.overhead
        let perTrain = max(1, min(Self.maxSegmentsPerSend, Self.maxTrainBytes / split.stride))
        var start = 0
        while start < split.count {
            let chunk = context.segmentation ? min(perTrain, split.count - start) : 1
            let isLast = start + chunk == split.count
            let bytes = (chunk - 1) * split.stride + (isLast ? lastDatagram : split.stride)
            let rc = endpoint.withSockaddr { address, length in
                ctun_udp_send(udpFD, out + start * split.stride, bytes, address, length, chunk > 1 ? UInt16(split.stride) : 0)
            }
            if rc < 0 { context.counters.drop(.sendFailed, count: UInt64(chunk)) }
            start += chunk
        }
    }

    private func answer(_ packet: UnsafeRawPointer, _ length: Int, code: UInt8) {
        let n = ICMPReply.unreachable(about: packet, length: length, code: code, mtu: context.mtu, into: reply)
        if n > 0 { _ = ctun_write(tunFD, reply, n) }
    }
}
