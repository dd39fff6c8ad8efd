import Foundation

/// Commands run inside a test namespace (`ip netns exec NS ...`).
enum Netns {
    static func run(_ namespace: String, _ arguments: [String], stdin: String? = nil, limit: Double = 60) async throws -> CommandResult {
        try await Command.run(try Tools.ip(), ["netns", "exec", namespace] + arguments, stdin: stdin, limit: limit)
    }

    /// A Python 3 program, given as text, run in the namespace with `arguments`.
    static func python(_ namespace: String, _ program: String, _ arguments: [String] = [], limit: Double = 60) async throws -> CommandResult {
        try await run(namespace, [try Tools.find("python3"), "-c", program] + arguments, limit: limit)
    }

    /// Whether `interface` exists in the namespace.
    static func hasLink(_ namespace: String, _ interface: String) async throws -> Bool {
        try await Command.run(try Tools.ip(), ["-n", namespace, "link", "show", interface]).succeeded
    }
}

/// Small Python programs the data-plane tests run in the namespaces: real
/// sockets and a raw capture, nothing of ours.
enum DataPlanePrograms {
    /// Receives one TCP stream on argv[1]:argv[2] and prints its length and SHA-256.
    static let sink = """
    import hashlib, socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept(); h = hashlib.sha256(); n = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        h.update(b); n += len(b)
    print(n, h.hexdigest(), flush=True)
    """

    /// Sends argv[3] MiB of seeded pseudo-random bytes to argv[1]:argv[2] and prints length and SHA-256.
    static let source = """
    import hashlib, random, socket, sys, time
    rng = random.Random(12); h = hashlib.sha256(); n = 0
    for attempt in range(100):
        try:
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10); break
        except OSError:
            time.sleep(0.1)
    c.settimeout(60)
    for i in range(int(sys.argv[3]) * 16):
        b = rng.randbytes(65536); c.sendall(b); h.update(b); n += len(b)
    c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
    print(n, h.hexdigest(), flush=True)
    """

    /// Captures the next UDP payload sent to port argv[2] on interface argv[1] (AF_PACKET) and prints it as hex.
    static let capture = """
    import socket, sys
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.ntohs(0x0800)); s.bind((sys.argv[1], 0)); s.settimeout(20)
    port = int(sys.argv[2])
    while True:
        p = s.recv(65535)
        ihl = (p[0] & 15) * 4
        if p[9] == 17 and int.from_bytes(p[ihl+2:ihl+4], "big") == port and len(p) > ihl + 8 + 100:
            print(p[ihl+8:].hex(), flush=True); break
    """

    /// Sends argv[3] (hex, or "random:N" for N random bytes) as one UDP datagram to argv[1]:argv[2].
    static let send = """
    import os, socket, sys
    data = os.urandom(int(sys.argv[3][7:])) if sys.argv[3].startswith("random:") else bytes.fromhex(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(data, (sys.argv[1], int(sys.argv[2])))
    """

    /// Sends one ICMP echo with a forged source argv[1] to argv[2] through the routing table (raw socket, IP_HDRINCL).
    static let spoof = """
    import socket, struct, sys
    def csum(b):
        if len(b) % 2: b += b"\\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
        return ~s & 0xffff
    icmp = struct.pack("!BBHHH", 8, 0, 0, 77, 1) + b"spoofed" * 8
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    src, dst = socket.inet_aton(sys.argv[1]), socket.inet_aton(sys.argv[2])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0x4000, 64, 1, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(5): s.sendto(ip + icmp, (sys.argv[2], 0))
    """
}
