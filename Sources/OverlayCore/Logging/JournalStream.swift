import Foundation

/// `$JOURNAL_STREAM` is `device:inode` of the stream systemd connected to the
/// service's stdout/stderr. Only if stderr is still that very stream (not
/// redirected by a wrapper or a child's shell) should logging go to journald
/// directly; see systemd.exec(5).
public enum JournalStream {
    /// True when `value` names the file open on `fd` (default: stderr).
    public static func isStandardError(_ value: String?, fd: CInt = STDERR_FILENO) -> Bool {
        guard let value, let (device, inode) = parse(value) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// `device:inode` in decimal, as systemd writes it; nil for anything else.
    public static func parse(_ value: String) -> (device: UInt64, inode: UInt64)? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return (device, inode)
    }
}
