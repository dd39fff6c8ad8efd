import Glibc

/// Why the host's lookups could not be pointed at the overlay's names, in words an operator can act on:
/// each case names the file, interface or bus call that failed.
public enum HostDNSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `if_nametoindex` found no interface of this name, so resolved has no link to configure.
    case noSuchInterface(String, errno: Int32)
    /// No connection to the D-Bus bus at this address, so systemd-resolved cannot be reached.
    case busUnreachable(bus: String, errno: Int32)
    /// A resolve1 method call failed; `errorName` is the D-Bus error name when the bus gave one.
    case resolvedCallFailed(call: String, interface: String, bus: String, errorName: String?, message: String)
    /// The hosts file exists but could not be read.
    case hostsFileUnreadable(path: String, errno: Int32)
    /// A step of replacing the hosts file failed; the file itself is as it was.
    case hostsFileUnwritable(path: String, step: String, errno: Int32)
    /// The hosts file has an overlayd block this wiring cannot safely edit around.
    case hostsFileDamaged(path: String, line: Int, problem: String)

    static func text(_ e: Int32) -> String { String(cString: strerror(e)) }

    static let instead = "or keep the overlay's names in /etc/hosts instead (the hosts-file wiring)"

    public var description: String {
        switch self {
        case .noSuchInterface(let name, let e):
            "cannot point systemd-resolved at the overlay: there is no interface \(name) (\(Self.text(e))); the resolved wiring needs the node's TUN interface, so it cannot be used with --no-tun: \(Self.instead)"
        case .busUnreachable(let bus, let e):
            "systemd-resolved is unreachable: cannot connect to the D-Bus system bus at \(bus) (\(Self.text(e))); start dbus and systemd-resolved (systemctl enable --now systemd-resolved), \(Self.instead)"
        case .resolvedCallFailed(let call, let interface, let bus, let name, let message):
            "systemd-resolved refused \(call) for \(interface) (\(name ?? "no error name"): \(message)) on the bus at \(bus): \(Self.advice(call: call, errorName: name))"
        case .hostsFileUnreadable(let path, let e):
            "cannot read the hosts file \(path): \(Self.text(e)); \(Self.accessHint(path))"
        case .hostsFileUnwritable(let path, let step, let e):
            "cannot update the hosts file \(path): \(step) failed (\(Self.text(e))); the file is unchanged. \(Self.accessHint(path))"
        case .hostsFileDamaged(let path, let line, let problem):
            "the hosts file \(path) has a damaged overlayd block at line \(line): \(problem); the file is unchanged. Fix or delete that block by hand (each block runs from '# BEGIN overlayd node NAME' to '# END overlayd node NAME')"
        }
    }

    /// The hosts file is replaced by a rename beside it, so its directory must be writable too.
    static func accessHint(_ path: String) -> String {
        let directory = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        return "the node needs read and write access to \(path) and to \(directory) (run as root; a unit with ProtectSystem=strict also needs ReadWritePaths=\(directory)), or use the resolved wiring"
    }

    /// What to do about a failed resolve1 call, from the D-Bus error name.
    static func advice(call: String, errorName: String?) -> String {
        switch errorName {
        case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
             "org.freedesktop.PolicyKit1.Error.NotAuthorized":
            "the node needs CAP_NET_ADMIN (the shipped unit grants it) or a polkit rule for org.freedesktop.resolve1.set-dns-servers, set-domains, set-default-route and revert"
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
             "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.TimedOut":
            "systemd-resolved is not running: start it (systemctl enable --now systemd-resolved), \(instead)"
        case "org.freedesktop.DBus.Error.UnknownMethod" where call.hasSuffix("SetLinkDNSEx"):
            "this systemd-resolved is older than 246 and only takes DNS servers on port 53: run the node's DNS on port 53, \(instead)"
        case "org.freedesktop.resolve1.NoSuchLink":
            "resolved does not know the interface yet; this is retried on the next zone change"
        case "org.freedesktop.resolve1.LinkBusy":
            "another manager (systemd-networkd) controls this interface's DNS: mark it unmanaged there, \(instead)"
        default:
            "check `journalctl -u systemd-resolved`, \(instead)"
        }
    }
}
