/// An error that should end the process with its own exit status, so a unit can
/// tell "restarting will not help" (`RestartPreventExitStatus=`) from a failure
/// worth another try.
public protocol ExitStatusProviding: Error {
    var exitStatus: Int32 { get }
}

/// `EX_DATAERR` (sysexits.h): the daemon's own data is damaged; a restart finds it the same.
public let exitStatusDataDamaged: Int32 = 65
