import CTun
import Glibc

/// The data plane's UDP sockets: one per worker, all bound to the same port
/// with SO_REUSEPORT, UDP_GRO on (trains of datagrams arrive as one read) and
/// buffers sized for bursts of 64 KB sends.
final class UDPSockets: Sendable {
    let fds: [Int32]
    let port: Int
    let family: Int32
    /// Whether UDP_SEGMENT works here; without it each datagram is sent alone.
    let segmentation: Bool
    static let bufferBytes: Int32 = 8 << 20

    init(bind endpoint: DataEndpoint, count: Int) throws(DataPlaneError) {
        var fds: [Int32] = []
        var bound = endpoint
        for _ in 0..<max(1, count) {
            let fd = bound.withSockaddr { ctun_udp_open($0, $1, Self.bufferBytes, 1) }
            if fd < 0 {
                for f in fds { Glibc.close(f) }
                throw .cannotBind(address: endpoint.description, errno: -fd)
            }
            if fds.isEmpty, endpoint.port == 0 {
                // An ephemeral port: the other sockets join the one the kernel chose.
                var s = sockaddr_storage()
                var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
                _ = withUnsafeMutableBytes(of: &s) { getsockname(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &len) }
                bound = DataEndpoint(storage: s, length: len)
            }
            fds.append(fd)
        }
        self.fds = fds
        self.port = bound.port
        self.family = Int32(bound.storage.ss_family)
        self.segmentation = ctun_udp_gso_supported(fds[0]) == 1
    }

    func close() { for fd in fds { Glibc.close(fd) } }
}
