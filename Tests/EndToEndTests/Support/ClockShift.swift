import Foundation

/// A process whose wall clock runs ahead of (or behind) the machine's: a small
/// LD_PRELOAD library, compiled by the test that needs it, that adds CLOCK_SHIFT_SECONDS
/// to CLOCK_REALTIME as clock_gettime, gettimeofday, time and timespec_get report
/// it. That is the clock certificates are checked against (OpenSSL's time(),
/// Foundation's Date); the monotonic clocks, which timers and timeouts use, are
/// left alone, as they are on a host whose wall clock is simply wrong.
///
/// Not libfaketime (the `faketime` package): it rewrites the absolute deadline of
/// every timerfd as if it were a CLOCK_REALTIME one ("only CLOCK_REALTIME is
/// handled" in its timer_settime_common), and Dispatch's timers, so Swift's
/// `Task.sleep`, run on CLOCK_MONOTONIC and CLOCK_BOOTTIME timerfds: with the clock
/// 10 minutes behind every sleep lasts 10 minutes more, with it ahead every timer
/// fires at once and is re-armed in a loop. Its constructor also calls setenv,
/// which moves `environ`, where the Swift runtime looks for argv, so a Swift
/// program under it sees no arguments at all. (Both seen with libfaketime 0.9.10.)
enum ClockShift {
    static let source = """
    #define _GNU_SOURCE
    #include <dlfcn.h>
    #include <stdlib.h>
    #include <sys/time.h>
    #include <time.h>

    static long long shift_ns;
    static int (*real_clock_gettime)(clockid_t, struct timespec *);

    __attribute__((constructor)) static void clock_shift_init(void) {
        const char *s = getenv("CLOCK_SHIFT_SECONDS");
        shift_ns = s ? (long long)(strtod(s, NULL) * 1e9) : 0;
        real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    }

    int clock_gettime(clockid_t id, struct timespec *ts) {
        if (!real_clock_gettime) real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
        int r = real_clock_gettime(id, ts);
        if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
            long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + shift_ns;
            ts->tv_sec = (time_t)(ns / 1000000000LL);
            ts->tv_nsec = (long)(ns % 1000000000LL);
        }
        return r;
    }

    int gettimeofday(struct timeval *tv, void *tz) {
        (void)tz;
        struct timespec ts;
        int r = clock_gettime(CLOCK_REALTIME, &ts);
        if (r == 0) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; }
        return r;
    }

    time_t time(time_t *t) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (t) *t = ts.tv_sec;
        return ts.tv_sec;
    }

    int timespec_get(struct timespec *ts, int base) {
        if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
        return base;
    }
    """

    /// The library, built in `directory` (a test's cluster directory, removed with it) unless it is there already.
    static func library(in directory: String) throws -> String {
        let c = directory + "/clockshift.c", so = directory + "/clockshift.so"
        if FileManager.default.fileExists(atPath: so) { return so }
        try Data(source.utf8).write(to: URL(fileURLWithPath: c))
        let result = Command.runSync(try compiler(), ["-shared", "-fPIC", "-O2", "-Wall", "-o", so, c, "-ldl"])
        guard result.succeeded else { throw SetupError("cannot build the clock-shift library: \(result)") }
        return so
    }

    /// The Swift toolchain's clang (SwiftPM needs it for the C targets), else the system's cc.
    static func compiler() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", "/usr/bin"] {
            for name in ["clang", "cc"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        throw SetupError("no C compiler (clang or cc) on PATH to build the clock-shift library")
    }

    /// The environment that runs a program with its wall clock `seconds` ahead (negative: behind).
    static func environment(_ seconds: Int, in directory: String) throws -> [String: String] {
        ["LD_PRELOAD": try library(in: directory), "CLOCK_SHIFT_SECONDS": String(seconds)]
    }

    /// `arguments` run through env(1) with the clock shifted, for a command run with `Command` or `Netns`.
    static func command(_ seconds: Int, in directory: String, _ arguments: [String]) throws -> [String] {
        [try Tools.find("env"), "LD_PRELOAD=\(try library(in: directory))", "CLOCK_SHIFT_SECONDS=\(seconds)"] + arguments
    }
}
