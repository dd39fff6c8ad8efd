import Foundation

/// Writes state files atomically with a chosen mode, so a crash never leaves
/// a half-written key and a key is never readable by others, even briefly.
public enum SecureFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PKIError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd); unlink(temp)
                throw PKIError.cannotWrite(path: path, reason: reason)
            }
            written += n
        }
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw PKIError.cannotWrite(path: path, reason: reason)
        }
    }

    public static func write(_ text: String, to path: String, mode: mode_t) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Renames `from` over `to`: one step of a change spread over several files
    /// (a renewed key and certificate, a new CA), taken in an order a start can finish.
    public static func move(_ from: String, over to: String) throws {
        guard rename(from, to) == 0 else {
            throw PKIError.cannotWrite(path: to, reason: "cannot rename \(from) over it: \(String(cString: strerror(errno)))")
        }
    }

    /// Makes the directory's entries (the renames above, new and removed files) survive a power loss.
    public static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PKIError.cannotWrite(path: directory, reason: "cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PKIError.cannotWrite(path: directory, reason: "cannot sync it: \(String(cString: strerror(errno)))") }
    }
}
