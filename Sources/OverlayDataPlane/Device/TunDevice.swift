import CTun
import OverlayCore
import Glibc

/// The node's TUN interface: one fd per queue (IFF_MULTI_QUEUE), opened with
/// IFF_VNET_HDR and TCP segmentation offload so the kernel hands over and takes
/// back 64 KB TCP super-segments. Not persistent: the kernel deletes the
/// interface when the last queue closes, also when the process is killed.
public final class TunDevice: Sendable {
    public let name: String
    public let mtu: Int
    let queues: [Int32]
    public var queueCount: Int { queues.count }

    public static func validate(name: String) throws(DataPlaneError) {
        let ok = !name.isEmpty && name.utf8.count < 16 && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard ok else { throw .invalidInterfaceName(name) }
    }

    /// Creates `name` with `queues` queues, gives it `address/prefix` and `mtu`, and brings it up.
    public init(name: String, queues: Int, address: UInt32, prefix: Int, mtu: Int) throws(DataPlaneError) {
        try Self.validate(name: name)
        if ctun_interface_exists(name) == 1 { throw .interfaceExists(name) }
        let fds = try Self.open(name: name, queues: queues)
        let rc = ctun_configure(name, address.bigEndian, Int32(prefix), Int32(mtu))
        if rc < 0 {
            for fd in fds { Glibc.close(fd) }
            if -rc == EPERM || -rc == EACCES { throw .needsNetAdmin(interface: name) }
            throw .cannotConfigure(interface: name, step: "set the address \(IPv4Address(address))/\(prefix), MTU \(mtu) and bring it up", errno: -rc)
        }
        self.name = name
        self.mtu = mtu
        self.queues = fds
    }

    private static func open(name: String, queues: Int) throws(DataPlaneError) -> [Int32] {
        var fds: [Int32] = []
        func closeAll() { for fd in fds { Glibc.close(fd) } }
        for _ in 0..<max(1, queues) {
            let fd = ctun_open_device()
            if fd < 0 {
                closeAll()
                switch -fd {
                case EACCES, EPERM: throw .tunDeviceDenied(errno: -fd)
                default: throw .noTunDevice(errno: -fd)
                }
            }
            let rc = ctun_attach_queue(fd, name, 1, fds.isEmpty ? 1 : 0)
            if rc < 0 {
                Glibc.close(fd)
                closeAll()
                switch -rc {
                case EPERM, EACCES: throw .needsNetAdmin(interface: name)
                case EBUSY, EEXIST: throw .interfaceExists(name)
                default: throw .cannotCreate(interface: name, errno: -rc)
                }
            }
            _ = ctun_set_nonblocking(fd)
            fds.append(fd)
        }
        return fds
    }

    /// Checks that this process may create `name` (device access, CAP_NET_ADMIN, the name free), by creating
    /// it and letting it go at once: a node that cannot have its TUN says so before it uses a join token.
    public static func preflight(name: String) throws(DataPlaneError) {
        let probe = try TunDevice(name: name, queues: 1)
        probe.close()
    }

    private init(name: String, queues: Int) throws(DataPlaneError) {
        try Self.validate(name: name)
        if ctun_interface_exists(name) == 1 { throw .interfaceExists(name) }
        self.name = name
        self.mtu = 0
        self.queues = try Self.open(name: name, queues: queues)
    }

    /// Closes every queue: the interface goes away with the last one.
    func close() {
        for fd in queues { Glibc.close(fd) }
    }
}
