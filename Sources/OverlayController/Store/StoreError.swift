import Foundation
import GRDB
import OverlayCore

/// Why the controller's database failed, in words that send the operator to the
/// right fix: a damaged file wants a backup, a full disk wants space, a read-only
/// directory wants a writable one. SQLite's own numbers ("error 10: disk I/O
/// error") say none of that.
public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable, ExitStatusProviding {
    case cannotOpen(path: String, reason: String)
    case damaged(path: String, detail: String)
    case diskFull(path: String)
    case readOnly(path: String, detail: String)
    case damagedRecord(path: String, node: String, detail: String)

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r):
            return "cannot open the controller database \(p): \(r); check the state directory's permissions and free space"
        case .damaged(let p, let d):
            return "the controller database \(p) is damaged (\(d)); stop here and restore it from a backup "
                + "(docs/operations.md, \"Backing up the state directory\"); the controller will not start a new network over it"
        case .diskFull(let p):
            return "the disk holding the controller database \(p) is full; free space there (nothing was stored, the node may retry)"
        case .readOnly(let p, let d):
            return "the controller database \(p) cannot be written (\(d)): its directory or file system is read-only or not the "
                + "controller's; make it writable for the controller's user (nothing was stored, the node may retry)"
        case .damagedRecord(let p, let n, let d):
            return "the controller database \(p) is damaged: the record of node \(n) \(d); restore the database from a backup "
                + "(docs/operations.md, \"Backing up the state directory\"), or remove the node with 'overlayctl node remove \(n)' and enroll it again"
        }
    }

    /// A damaged database stays damaged: the unit does not restart over it (RestartPreventExitStatus=65).
    public var exitStatus: Int32 {
        switch self {
        case .damaged, .damagedRecord: return exitStatusDataDamaged
        default: return 1
        }
    }

    /// `error` from SQLite at `path`, classified; nil when it is none of the above.
    static func classify(_ error: any Error, path: String) -> StoreError? {
        guard let db = error as? DatabaseError else { return nil }
        switch db.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged(path: path, detail: db.message ?? "\(db.resultCode)")
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: return .readOnly(path: path, detail: db.message ?? "\(db.resultCode)")
        case .SQLITE_IOERR:
            // Extended codes: a write refused by a read-only file system shows as an I/O error.
            let directory = (path as NSString).deletingLastPathComponent
            if access(directory, W_OK) != 0 || Self.mountedReadOnly(directory) {
                return .readOnly(path: path, detail: "\(db.message ?? "disk I/O error")")
            }
            return nil
        default: return nil
        }
    }

    private static func mountedReadOnly(_ directory: String) -> Bool {
        var fs = statvfs()
        return statvfs(directory, &fs) == 0 && fs.f_flag & UInt(ST_RDONLY) != 0
    }
}
