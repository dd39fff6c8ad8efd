import CSystemd
import Foundation
import NIOConcurrencyHelpers

/// Listening sockets systemd passed at start (socket activation,
/// `LISTEN_FDS`), by their `FileDescriptorName=`: `control` (the Unix control
/// socket), `api` (the controller's TLS listener), `peer` (the node's peer
/// listener). A socket that was not passed is bound by the daemon as usual.
public final class ActivatedSockets: Sendable {
    public static let control = "control"
    public static let api = "api"
    public static let peer = "peer"

    private let byName: NIOLockedValueBox<[String: CInt]>

    public init(_ byName: [String: CInt] = [:]) { self.byName = NIOLockedValueBox(byName) }

    /// No sockets passed: bind everything.
    public static var none: ActivatedSockets { ActivatedSockets() }

    /// The sockets passed to this process (checks `LISTEN_PID`), once: the
    /// variables are removed so children do not inherit them.
    public static func fromEnvironment() -> ActivatedSockets {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return .none }
        var found: [String: CInt] = [:]
        for i in 0..<Int(count) {
            let fd = SD_LISTEN_FDS_START + CInt(i)
            let name = names?[i].map { String(cString: $0) } ?? "unknown"
            if let duplicate = found[name] { close(duplicate) }
            found[name] = fd
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            free(names?[i])
        }
        free(names)
        return ActivatedSockets(found)
    }

    /// The passed socket named `name`, checked to be a listening stream socket
    /// of the expected kind; nil when none was passed. Each socket is handed out once.
    public func take(_ name: String, unix: Bool) throws(ActivationError) -> CInt? {
        guard let fd = byName.withLockedValue({ $0.removeValue(forKey: name) }) else { return nil }
        let ok = unix ? sd_is_socket_unix(fd, SOCK_STREAM_VALUE, 1, nil, 0) > 0
                      : sd_is_socket_inet(fd, 0, SOCK_STREAM_VALUE, 1, 0) > 0
        guard ok else {
            close(fd)
            throw .wrongKind(name: name, expected: unix ? "a listening Unix stream socket" : "a listening TCP socket")
        }
        // systemd passes blocking sockets; NIO adopts them as they are, and a
        // blocking accept() would stall the event loop once the backlog is empty.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    /// When no socket named `control` was passed, a passed socket with a name
    /// outside `used` that is a listening Unix stream socket bound to
    /// `controlPath` is renamed `control`, and its old name returned. Such a
    /// `.socket` unit only lacks `FileDescriptorName=control`; closing it would
    /// not free the path, because systemd (PID 1) keeps its own copy of every
    /// listening socket, so the daemon would find the path "already served".
    public func adoptControl(boundTo controlPath: String, except used: Set<String>) -> String? {
        let paths = Set([controlPath, URL(fileURLWithPath: controlPath).standardizedFileURL.path])
        return byName.withLockedValue { byName in
            guard byName[Self.control] == nil else { return nil }
            let match = byName.sorted { $0.key < $1.key }.first { name, fd in
                !used.contains(name) && paths.contains { sd_is_socket_unix(fd, SOCK_STREAM_VALUE, 1, $0, 0) > 0 }
            }
            guard let (name, fd) = match else { return nil }
            byName.removeValue(forKey: name)
            byName[Self.control] = fd
            return name
        }
    }

    /// Closes every passed socket whose name is not in `used`, and returns
    /// their names. This drops only this process's copy: under systemd the
    /// `.socket` unit keeps listening (and may start the daemon again on the
    /// next connection); it does not free the address.
    public func closeAll(except used: Set<String>) -> [String] {
        let unused = byName.withLockedValue { byName in
            let unused = byName.filter { !used.contains($0.key) }
            for name in unused.keys { byName.removeValue(forKey: name) }
            return unused
        }
        for fd in unused.values { close(fd) }
        return unused.keys.sorted()
    }
}

private let SOCK_STREAM_VALUE = CInt(SOCK_STREAM.rawValue)

/// A socket passed by systemd that cannot serve its purpose.
public enum ActivationError: Error, Sendable, CustomStringConvertible {
    case wrongKind(name: String, expected: String)

    public var description: String {
        switch self {
        case .wrongKind(let name, let expected):
            return "the socket systemd passed as '\(name)' (FileDescriptorName=\(name)) is not \(expected); fix ListenStream= in the .socket unit"
        }
    }
}
