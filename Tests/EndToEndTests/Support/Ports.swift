import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP port that was free a moment ago on `host` (bind to port 0, read it back, close).
/// The controller needs a fixed port because join tokens carry it; nodes listen on port 0.
func freePort(host: String = "127.0.0.1") throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr(host)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw SetupError("bind(\(host):0) failed: errno \(errno)") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw SetupError("getsockname failed: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
