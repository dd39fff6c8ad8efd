import Glibc

/// CLOCK_BOOTTIME in nanoseconds: monotonic and, unlike CLOCK_MONOTONIC, counting
/// time suspended, so a key's lifetime is real time (as WireGuard's). One vDSO call.
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
