import Glibc

/// Why the data plane could not start, in words an operator can act on.
public enum DataPlaneError: Error, CustomStringConvertible, Sendable {
    case noTunDevice(errno: Int32)
    case tunDeviceDenied(errno: Int32)
    case needsNetAdmin(interface: String)
    case interfaceExists(String)
    case cannotCreate(interface: String, errno: Int32)
    case cannotConfigure(interface: String, step: String, errno: Int32)
    case invalidInterfaceName(String)
    case cannotBind(address: String, errno: Int32)
    case invalidAddress(String)
    case cipher(String)

    static func text(_ e: Int32) -> String { String(cString: strerror(e)) }

    public var description: String {
        switch self {
        case .noTunDevice(let e):
            "cannot open /dev/net/tun (\(Self.text(e))): load the tun module (modprobe tun); under systemd with PrivateDevices=yes the unit needs BindPaths=/dev/net/tun and DeviceAllow=/dev/net/tun rw (the shipped unit has both); or run with --no-tun (control plane only)"
        case .tunDeviceDenied(let e):
            "cannot open /dev/net/tun (\(Self.text(e))): a TUN interface needs root, or CAP_NET_ADMIN and access to the device (the shipped unit has AmbientCapabilities=CAP_NET_ADMIN, BindPaths=/dev/net/tun and DeviceAllow=/dev/net/tun rw); or run with --no-tun (control plane only)"
        case .needsNetAdmin(let name):
            "creating the TUN interface \(name) needs CAP_NET_ADMIN: run as root, give the unit AmbientCapabilities=CAP_NET_ADMIN (the shipped unit does), or run with --no-tun (control plane only)"
        case .interfaceExists(let name):
            "a network interface named \(name) already exists (another overlayd-node, or another program's): stop it, or choose another name with --tun NAME"
        case .cannotCreate(let name, let e):
            "cannot create the TUN interface \(name): \(Self.text(e))"
        case .cannotConfigure(let name, let step, let e):
            "cannot \(step) on \(name): \(Self.text(e))"
        case .invalidInterfaceName(let name):
            "'\(name)' is not a usable interface name: 1 to 15 characters of letters, digits, '-', '_' or '.'"
        case .cannotBind(let address, let e):
            "cannot listen for data on UDP \(address): \(Self.text(e)); choose another with --data-listen HOST:PORT"
        case .invalidAddress(let what):
            "'\(what)' is not an IPv4 or IPv6 address with a port"
        case .cipher(let why):
            why
        }
    }
}
