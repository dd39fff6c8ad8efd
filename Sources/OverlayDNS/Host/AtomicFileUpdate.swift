import Glibc

/// Replaces a shared file so that readers see the old or the new content, never a mix, and two
/// writers (two nodes on one host, each with its own block in `/etc/hosts`) never lose each
/// other's change: read, transform and replace all happen under `flock` on the file's directory.
///
/// The new content goes to a temporary file in the same directory with the old file's mode and
/// owner, is synced, renamed over the old one, and the directory is synced. A file that cannot be
/// renamed over because it is a mount point (a container's bind-mounted `/etc/hosts`) is rewritten
/// in place instead, still under the lock.
enum AtomicFileUpdate {
    /// A file's bytes and the metadata a replacement must keep.
    private struct Current {
        var bytes: [UInt8]
        var mode: mode_t
        var owner: uid_t
        var group: gid_t
    }

    /// Mode of a file created because there was none.
    static let newFileMode: mode_t = 0o644

    /// Applies `transform` to the file's bytes (empty when it does not exist) and writes the result
    /// when it differs; returns whether it wrote. An unchanged result takes no lock and writes nothing.
    @discardableResult
    static func update(path: String, transform: ([UInt8]) throws(HostDNSError) -> [UInt8]) throws(HostDNSError) -> Bool {
        let target = resolvingLinks(path)
        let first = try read(target, reporting: path)?.bytes ?? []
        guard try transform(first) != first else { return false }

        let (directory, name) = split(target)
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw .hostsFileUnwritable(path: path, step: "opening its directory \(directory)", errno: errno) }
        defer { close(dir) }
        while flock(dir, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .hostsFileUnwritable(path: path, step: "locking its directory \(directory)", errno: errno) }
        }
        let current = try read(target, reporting: path)
        let bytes = try transform(current?.bytes ?? [])
        guard bytes != current?.bytes ?? [] else { return false }
        try replace(name, in: dir, target: target, with: bytes, keeping: current, reporting: path)
        return true
    }

    private static func replace(_ name: String, in dir: Int32, target: String, with bytes: [UInt8], keeping current: Current?,
                                reporting path: String) throws(HostDNSError) {
        let (temp, fd) = try createTemporary(beside: name, in: dir, reporting: path)
        var written = false
        defer { if !written { unlinkat(dir, temp, 0) } }
        do {
            defer { close(fd) }
            try writeAll(bytes, to: fd, at: nil, reporting: path)
            if let current {
                var info = stat()
                if fstat(fd, &info) == 0, info.st_uid != current.owner || info.st_gid != current.group,
                   fchown(fd, current.owner, current.group) != 0 {
                    throw .hostsFileUnwritable(path: path, step: "giving the new file the owner \(current.owner):\(current.group)", errno: errno)
                }
            }
            guard fchmod(fd, (current?.mode ?? newFileMode) & 0o7777) == 0 else {
                throw .hostsFileUnwritable(path: path, step: "setting the new file's mode", errno: errno)
            }
            guard fsync(fd) == 0 else { throw .hostsFileUnwritable(path: path, step: "syncing the new file", errno: errno) }
        }
        if renameat(dir, temp, dir, name) == 0 {
            written = true
            fsync(dir)
            return
        }
        guard errno == EBUSY else { throw .hostsFileUnwritable(path: path, step: "renaming the new file over it", errno: errno) }
        try rewriteInPlace(target, with: bytes, reporting: path)
    }

    /// For a file that is a mount point: overwrite, truncate, sync.
    private static func rewriteInPlace(_ target: String, with bytes: [UInt8], reporting path: String) throws(HostDNSError) {
        let fd = open(target, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .hostsFileUnwritable(path: path, step: "opening it to rewrite in place (it is a mount point)", errno: errno) }
        defer { close(fd) }
        try writeAll(bytes, to: fd, at: 0, reporting: path)
        guard ftruncate(fd, off_t(bytes.count)) == 0, fsync(fd) == 0 else {
            throw .hostsFileUnwritable(path: path, step: "rewriting it in place (it is a mount point)", errno: errno)
        }
    }

    private static func createTemporary(beside name: String, in dir: Int32, reporting path: String) throws(HostDNSError) -> (String, Int32) {
        while true {
            let temp = ".\(name).overlayd-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
            let fd = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return (temp, fd) }
            guard errno == EEXIST || errno == EINTR else {
                throw .hostsFileUnwritable(path: path, step: "creating a temporary file beside it", errno: errno)
            }
        }
    }

    /// Writes all of `bytes` at the current position, or at `offset` when given.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32, at offset: off_t?, reporting path: String) throws(HostDNSError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                let from = buffer.baseAddress! + done
                return offset.map { pwrite(fd, from, buffer.count - done, $0 + off_t(done)) } ?? write(fd, from, buffer.count - done)
            }
            if n < 0 {
                guard errno == EINTR else { throw .hostsFileUnwritable(path: path, step: "writing the new content", errno: errno) }
                continue
            }
            done += n
        }
    }

    /// The file's bytes and metadata, nil when it does not exist.
    private static func read(_ target: String, reporting path: String) throws(HostDNSError) -> Current? {
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .hostsFileUnreadable(path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .hostsFileUnreadable(path: path, errno: errno) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                guard errno == EINTR else { throw .hostsFileUnreadable(path: path, errno: errno) }
                continue
            }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        return Current(bytes: bytes, mode: info.st_mode, owner: info.st_uid, group: info.st_gid)
    }

    /// The file a symlink points to, so the link survives and the lock is on the real directory.
    private static func resolvingLinks(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// Directory and last component.
    private static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = path[..<slash]
        return (directory.isEmpty ? "/" : String(directory), String(path[path.index(after: slash)...]))
    }
}
