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
}
