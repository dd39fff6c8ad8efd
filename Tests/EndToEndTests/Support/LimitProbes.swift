import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Clients that come from a chosen loopback address (127.0.0.2 is another
/// source than 127.0.0.1 to the daemons), written with Python's own
/// `http.client` and `ssl`: nothing of ours on the client side.
enum LimitProbes {
    /// POSTs argv[5] to https://argv[2]:argv[3]argv[4] argv[6] times on one keep-alive connection from argv[1].
    /// Prints the status codes on one line, then the last 429's Retry-After and error code (or -).
    static let hammer = """
    import http.client, json, ssl, sys
    src, host, port, path, body, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection(host, port, context=ctx, source_address=(src, 0), timeout=20)
    codes, retry, error = [], "-", "-"
    for _ in range(count):
        c.request("POST", path, body=body.encode(), headers={"content-type": "application/json"})
        r = c.getresponse(); data = r.read(); codes.append(str(r.status))
        if r.status == 429: retry, error = r.getheader("retry-after"), json.loads(data)["error"]
    print(" ".join(codes)); print(retry); print(error)
    """

    /// argv[4] TLS handshakes from argv[1] to argv[2]:argv[3], one after the other, no client certificate.
    /// Prints, per handshake, `answered` (the server spoke TLS: the handshake completed or ended in its alert)
    /// or `refused` (closed before any TLS answer). With argv[5] = "until-answered", keeps trying
    /// (at most 100 times) until one is answered and prints only that try's number.
    static let handshakes = """
    import socket, ssl, sys, time
    src, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    def probe():
        s = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
        try:
            ctx.wrap_socket(s).close(); return "answered"
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            return "refused"
        except ssl.SSLError:
            return "answered"
        except TimeoutError:
            return "timeout"
        finally:
            s.close()
    if len(sys.argv) > 5 and sys.argv[5] == "until-answered":
        for attempt in range(100):
            if probe() == "answered": print(attempt + 1); break
            time.sleep(0.1)
        else: print("never")
    else:
        print(" ".join(probe() for _ in range(count)), flush=True)
    """

    static func run(_ program: String, _ arguments: [String]) async throws -> [String] {
        let result = try await Command.run(try Tools.find("python3"), ["-c", program] + arguments, limit: 60)
        guard result.succeeded else { throw SetupError("probe failed: \(result)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }
}

/// A plain TCP connection from `source` to `host:port` that sends nothing: it
/// holds one of the listener's places until `close()`.
final class HeldConnection: @unchecked Sendable {
    // Only closed once, by the test that opened it.
    private var fd: Int32

    init(from source: String, to host: String, port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        remote.sin_addr.s_addr = inet_addr(host)
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else {
            let e = errno
            Glibc.close(fd)
            throw SetupError("connecting from \(source) to \(host):\(port) failed: errno \(e)")
        }
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
