import Foundation
import Testing

/// Thrown by a probe to say "not yet, and here is what I saw"; the last one
/// is reported if the wait runs out.
struct NotYet: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Thrown by a probe when waiting longer cannot help (a daemon exited):
/// `eventually` rethrows it at once.
struct GiveUp: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Thrown by a probe when the caller will handle the situation itself (the
/// controller lost a race for its port and will be started on another):
/// `eventually` rethrows it at once without recording an issue.
struct PortTaken: Error, CustomStringConvertible {
    var description: String
}

/// A bounded wait that ran out: the condition was never observed.
struct WaitTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `probe` until it returns a value, for at most `limit` seconds.
///
/// This is a bound on waiting, not a timing assertion: the limits are
/// generous (the daemons normally get there in a second or two) and the
/// test asserts on the state it eventually observes. A probe reports
/// "not yet" by throwing (`NotYet` or any error, e.g. a socket that is not
/// there yet); the last such error is in the failure message.
@discardableResult
func eventually<T>(
    _ what: String, limit: Double = 30, every: Double = 0.2,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ probe: () async throws -> T
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int(limit * 1000)))
    var last = "no observation yet"
    while true {
        do {
            return try await probe()
        } catch let error as NotYet {
            last = error.description
        } catch let error as PortTaken {
            throw error
        } catch let error as GiveUp {
            Issue.record(Comment(rawValue: "stopped waiting until \(what): \(error)"), sourceLocation: sourceLocation)
            throw error
        } catch {
            last = "\(error)"
        }
        if clock.now >= deadline { break }
        try await Task.sleep(for: .milliseconds(Int(every * 1000)))
    }
    let message = "gave up after \(Int(limit)) s waiting until \(what); last observed: \(last)"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    throw WaitTimedOut(description: message)
}
