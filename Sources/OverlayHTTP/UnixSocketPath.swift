import Foundation

/// Control socket paths: create the directory, refuse to steal a socket a
/// live daemon still serves, and clear one left by a crash.
enum UnixSocketPath {
    static func prepare(_ path: String) throws {
        guard path.utf8.count < 104 else { throw ControlSocketSetupError.pathTooLong(path) }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw ControlSocketSetupError.cannotCreateDirectory(dir, "\(error.localizedDescription)")
            }
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw ControlSocketSetupError.notASocket(path) }
        if isServed(path) { throw ControlSocketSetupError.inUse(path) }
        unlink(path)
    }

    private static func isServed(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return rc == 0
    }
}

public enum ControlSocketSetupError: Error, Sendable, CustomStringConvertible {
    case pathTooLong(String)
    case cannotCreateDirectory(String, String)
    case notASocket(String)
    case inUse(String)

    public var description: String {
        switch self {
        case .pathTooLong(let p): return "control socket path \(p) is too long (Unix sockets allow 103 bytes); choose a shorter --socket"
        case .cannotCreateDirectory(let d, let r): return "cannot create the control socket directory \(d): \(r)"
        case .notASocket(let p): return "\(p) exists and is not a socket; remove it or choose another --socket"
        case .inUse(let p): return "another daemon is already serving \(p); stop it or choose another --socket"
        }
    }
}
