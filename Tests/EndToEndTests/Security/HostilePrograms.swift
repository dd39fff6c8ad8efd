/// Python programs that play the attacker against the running daemons: plain
/// sockets and Python's own TLS, nothing of ours.
enum HostilePrograms {
    /// Sends argv[3] bytes of garbage, then a truncated TLS ClientHello, each on its own
    /// connection to argv[1]:argv[2]; prints how each connection ended.
    static let garbage = """
    import os, socket, sys
    host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    hello = bytes.fromhex("16030100f4010000f00303") + os.urandom(20)   # a ClientHello that stops after 31 of 249 bytes
    for name, payload in (("garbage", os.urandom(size)), ("truncated-hello", hello)):
        s = socket.create_connection((host, port), timeout=10)
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            answer = s.recv(4096)
            print(name, "answered", len(answer), "bytes, then", "closed" if s.recv(1) == b"" else "open")
        except socket.timeout:
            print(name, "TIMEOUT")
        except OSError as e:
            print(name, "ended:", e.strerror)
        finally:
            s.close()
    """

    /// Holds argv[3] idle TCP connections to argv[1]:argv[2] for argv[4] seconds; prints how many opened.
    static let idle = """
    import socket, sys, time
    host, port, count, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection((host, port), timeout=5))
        except OSError:
            break
    print("opened", len(held), flush=True)
    time.sleep(hold)
    """

    /// argv[3] slow-loris clients: TLS to argv[1]:argv[2] (no client certificate), then a request
    /// header one byte every 0.5 s. Prints how many the server cut off before the header was complete.
    static let slowLoris = """
    import socket, ssl, sys, threading, time
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    request = b"POST /v1/enroll/nonce HTTP/1.1\\r\\nHost: controller\\r\\nX-Padding: " + b"a" * 200 + b"\\r\\n\\r\\n"
    results = []
    def loris():
        try:
            s = ctx.wrap_socket(socket.create_connection((host, port), timeout=60))
        except OSError:
            results.append("refused"); return
        try:
            for b in request:
                s.send(bytes([b])); time.sleep(0.5)
            results.append("completed")
        except OSError:
            results.append("cut")
        finally:
            s.close()
    threads = [threading.Thread(target=loris) for _ in range(count)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("cut", results.count("cut"), "refused", results.count("refused"), "completed", results.count("completed"))
    """
}
