import Foundation

/// Generous bounds that exist only so a broken build fails instead of
/// hanging. No test asserts on how long anything took.
enum Bound {
    /// Starting or stopping a controller process.
    static let process: Duration = .seconds(60)
    /// One HTTP request, including its TLS handshake.
    static let request: Int64 = 60
    /// Waiting for a state change the controller makes on its own (a node timing out).
    static let change: Duration = .seconds(60)
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "gave up waiting for \(what)" }
}

/// Polls `condition` every `interval` until it holds; throws `TimedOut`
/// after `bound`. Never blocks a thread of the cooperative pool.
func waitUntil(_ what: String, bound: Duration = Bound.change, interval: Duration = .milliseconds(50),
               _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + bound
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: interval)
    }
}

/// A fresh directory under /tmp, short enough for a Unix socket path,
/// removed with everything in it by `remove()`.
struct TempDirectory: Sendable {
    let path: String

    init(_ tag: String = "ctl") throws {
        let template = "/tmp/ovc-\(tag)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw TimedOut(what: "a temporary directory (mkdtemp: \(String(cString: strerror(errno))))")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, mode)
        return target
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func fileExists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
}

func readText(_ path: String) -> String {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
}
