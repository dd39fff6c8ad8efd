import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What systemd's side of sd_notify sees: a `SOCK_DGRAM` Unix socket the
/// test binds, whose path goes to the daemon as `$NOTIFY_SOCKET`. A thread
/// reads every datagram and keeps it with its arrival time.
final class NotifySocket: @unchecked Sendable {
    struct Message: Sendable {
        /// Seconds on the monotonic clock.
        let at: Double
        let assignments: [String]
        func has(_ assignment: String) -> Bool { assignments.contains(assignment) }
        var status: String? { assignments.first { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) } }
    }

    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Message] = []
    private var closed = false

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw SetupError("notify socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes + [0]) }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw SetupError("bind(\(path)) failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ closed }) {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            let message = Message(at: Self.now(), assignments: text.split(separator: "\n").map(String.init))
            lock.withLock { received.append(message) }
        }
        close(fd)
    }

    /// Stops reading and closes the socket.
    func stop() {
        lock.withLock { closed = true }
        unlink(path)
    }

    var messages: [Message] { lock.withLock { received } }

    /// The environment that points a daemon here.
    var environment: [String: String] { ["NOTIFY_SOCKET": path] }

    /// Waits for the first message (after index `from`) holding `assignment`; returns its index.
    @discardableResult
    func wait(for assignment: String, after from: Int = -1, limit: Double = 60) async throws -> Int {
        try await eventually("\(assignment) arrives on \(path)", limit: limit, every: 0.05) {
            let all = messages
            guard let i = all.indices.first(where: { $0 > from && all[$0].has(assignment) }) else {
                throw NotYet("messages so far: \(all.map { $0.assignments.joined(separator: "|") })")
            }
            return i
        }
    }

    /// Waits until the latest STATUS= text satisfies `check`; returns it.
    @discardableResult
    func waitStatus(_ what: String, limit: Double = 60, _ check: @escaping (String) -> Bool) async throws -> String {
        try await eventually("STATUS becomes \(what)", limit: limit) {
            guard let last = statuses.last, check(last) else { throw NotYet("statuses so far: \(statuses)") }
            return last
        }
    }

    /// Every STATUS= text in the order sent.
    var statuses: [String] { messages.compactMap(\.status) }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
