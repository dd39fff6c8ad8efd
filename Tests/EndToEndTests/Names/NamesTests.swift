import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Names on the overlay with the real binaries and tools nobody here wrote: dig asks the
    /// node's resolver over UDP and TCP, from its own host and from another node across the
    /// data plane; getent reads the hosts-file block through the C library's NSS.
    @Suite("names", .enabled(if: getuid() == 0, "needs root for network namespaces, TUN interfaces and port 53"))
    struct NamesTests {
        static let parties = [
            NetnsLab.Party(name: "ctl", address: "198.18.0.1"),
            NetnsLab.Party(name: "alice", address: "198.18.0.2"),
            NetnsLab.Party(name: "bob", address: "198.18.0.3"),
            NetnsLab.Party(name: "carol", address: "198.18.0.4"),
        ]
        static var settings: ClusterSettings {
            var s = ClusterSettings()
            s.network = "198.19.0.0/16"
            s.pingInterval = "500ms"
            s.rosterInterval = "1s"
            return s
        }

        struct Net {
            let lab: NetnsLab
            let cluster: Cluster
            var nodes: [String: NodeHandle] = [:]
            var ips: [String: String] = [:]
            var hostsFiles: [String: String] = [:]

            func ns(_ name: String) throws -> String { try lab.namespace(name) }

            /// `dig` run in `from`'s namespace against `server` (an overlay IP), short output.
            func dig(from: String, _ server: String, _ arguments: [String]) async throws -> CommandResult {
                try await Netns.run(try ns(from), ["dig", "@\(server)", "+time=2", "+tries=2"] + arguments, limit: 30)
            }
        }

        static func withNet(_ names: [String], search: Bool = false, _ body: (Net) async throws -> Void) async throws {
            try await NetnsLab.with(parties) { lab in
                try await Cluster.with("names", settings: settings) { cluster in
                    try await cluster.startController(host: "198.18.0.1", port: 7443, namespace: try lab.namespace("ctl"))
                    var net = Net(lab: lab, cluster: cluster)
                    for party in parties where names.contains(party.name) {
                        // Each node keeps its block in a hosts file of its own: the machine's /etc/hosts is not the test's.
                        let hosts = "\(cluster.directory)/hosts-\(party.name)"
                        try "127.0.0.1\tlocalhost\n# kept as it is\n".write(toFile: hosts, atomically: true, encoding: .utf8)
                        net.hostsFiles[party.name] = hosts
                        let node = try await cluster.startNode(party.name, host: party.address, port: 7444,
                                                               namespace: try lab.namespace(party.name),
                                                               extraArguments: ["--tun", "ovl0", "--dns", "on", "--dns-host", "hosts",
                                                                                "--hosts-file", hosts] + (search ? ["--dns-search"] : []))
                        net.nodes[party.name] = node
                        net.ips[party.name] = try await node.ctl.nodeStatus().overlayIP
                    }
                    _ = try await cluster.waitActive(names)
                    // Active on the controller is not yet on every node's roster (that takes up to a roster
                    // interval): the tests ask each node's resolver for every name, so wait for its zone to hold them.
                    try await eventually("every node's resolver holds every name") {
                        for (name, node) in net.nodes {
                            let held = try await node.ctl.nodeStatus().dns?.names ?? 0
                            guard held == names.count else { throw NotYet("\(name)'s zone holds \(held) names") }
                        }
                    }
                    try await body(net)
                }
            }
        }

        @Test("dig gets A and PTR answers over UDP and TCP, locally and across the overlay; NXDOMAIN, NODATA and REFUSED where due")
        func digAnswers() async throws {
            try await Self.withNet(["alice", "bob", "carol"]) { net in
                let alice = net.ips["alice"]!, bob = net.ips["bob"]!, carol = net.ips["carol"]!
                try await eventually("alice's resolver answers bob's name") {
                    let r = try await net.dig(from: "alice", alice, ["+short", "bob.overlay.internal"])
                    guard r.stdout.trimmed == bob else { throw NotYet("\(r)") }
                }
                // Case is the asker's (0x20), the answer is the same address.
                let mixed = try await net.dig(from: "alice", alice, ["+noall", "+answer", "BoB.Overlay.Internal"])
                #expect(mixed.stdout.contains("BoB.Overlay.Internal.") && mixed.stdout.contains(bob), "\(mixed)")
                let tcp = try await net.dig(from: "alice", alice, ["+tcp", "+short", "carol.overlay.internal"])
                #expect(tcp.stdout.trimmed == carol, "over TCP: \(tcp)")
                let reverse = try await net.dig(from: "alice", alice, ["+short", "-x", bob])
                #expect(reverse.stdout.trimmed == "bob.overlay.internal.", "dig -x \(bob): \(reverse)")

                // From bob, across the data plane, to alice's resolver on her overlay IP.
                try await eventually("bob asks alice's resolver over the overlay") {
                    let r = try await net.dig(from: "bob", alice, ["+short", "carol.overlay.internal"])
                    guard r.stdout.trimmed == carol else { throw NotYet("\(r)") }
                }

                let unknown = try await net.dig(from: "alice", alice, ["nobody.overlay.internal"])
                #expect(unknown.stdout.contains("status: NXDOMAIN") && unknown.stdout.contains("flags: qr aa"), "\(unknown)")
                let aaaa = try await net.dig(from: "alice", alice, ["AAAA", "bob.overlay.internal"])
                #expect(aaaa.stdout.contains("status: NOERROR") && aaaa.stdout.contains("ANSWER: 0"), "AAAA is NODATA: \(aaaa)")
                let outside = try await net.dig(from: "alice", alice, ["example.com"])
                #expect(outside.stdout.contains("status: REFUSED") && !outside.stdout.contains(" ra"), "\(outside)")
                let outsideReverse = try await net.dig(from: "alice", alice, ["-x", "198.18.0.3"])
                #expect(outsideReverse.stdout.contains("status: REFUSED"), "reverse outside the overlay: \(outsideReverse)")

                // The loopback listener answers the host too.
                let status = try await net.nodes["alice"]!.ctl.nodeStatus()
                let dns = try #require(status.dns)
                #expect(dns.listen.count == 2 && dns.listen[0] == "\(alice):53", "alice listens on \(dns.listen)")
                let loopback = String(dns.listen[1].split(separator: ":")[0])
                #expect(loopback.hasPrefix("127.53."))
                let local = try await net.dig(from: "alice", loopback, ["+short", "carol.overlay.internal"])
                #expect(local.stdout.trimmed == carol, "on \(loopback): \(local)")

                // overlayctl resolve asks the same resolver (on alice's loopback, so from her namespace) and prints its answer.
                let resolve = { (argument: String) async throws -> CommandResult in
                    try await Netns.run(try net.ns("alice"), [try Binaries.path("overlayctl"), "resolve", argument,
                                                              "--socket", net.nodes["alice"]!.socket])
                }
                let resolved = try await resolve("bob")
                #expect(resolved.succeeded && resolved.stdout.contains("bob.overlay.internal") && resolved.stdout.contains(bob), "\(resolved)")
                let byAddress = try await resolve(carol)
                #expect(byAddress.stdout.contains("carol.overlay.internal."), "\(byAddress)")
                let missing = try await resolve("nobody")
                #expect(!missing.succeeded && missing.stdout.contains("NXDOMAIN"), "\(missing)")
            }
        }

        @Test("malformed, truncated and oversized queries get FORMERR or nothing; the resolver keeps answering")
        func malformedQueries() async throws {
            try await Self.withNet(["alice", "bob"]) { net in
                let alice = net.ips["alice"]!, bob = net.ips["bob"]!
                try await eventually("alice's resolver is up") {
                    let r = try await net.dig(from: "alice", alice, ["+short", "bob.overlay.internal"])
                    guard r.stdout.trimmed == bob else { throw NotYet("\(r)") }
                }
                let hostile = try await Netns.python(try net.ns("bob"), NamePrograms.hostile, [alice, "53"], limit: 60)
                #expect(hostile.succeeded, "\(hostile)")
                // Every answer the hostile sender got was FORMERR or REFUSED with its own id; nothing else.
                #expect(hostile.stdout.contains("answered"), "\(hostile)")
                #expect(!hostile.stdout.contains("BAD"), "\(hostile)")
                let after = try await net.dig(from: "bob", alice, ["+short", "bob.overlay.internal"])
                #expect(after.stdout.trimmed == bob, "after the garbage: \(after)")
                let tcpAfter = try await net.dig(from: "bob", alice, ["+tcp", "+short", "alice.overlay.internal"])
                #expect(tcpAfter.stdout.trimmed == alice, "TCP after the garbage: \(tcpAfter)")
                let counted = try #require(try await net.nodes["alice"]!.ctl.nodeStatus().dns)
                #expect((counted.queries["formerr"] ?? 0) > 0 && (counted.queries["dropped"] ?? 0) > 0, "\(counted.queries)")
                #expect(net.nodes["alice"]!.process.termination == nil)
            }
        }

        @Test("getent finds peers through the hosts-file block; a node that leaves stops resolving; the block goes on exit")
        func hostsFileAndLeaving() async throws {
            try await Self.withNet(["alice", "bob", "carol"], search: true) { net in
                let alice = net.ips["alice"]!, bob = net.ips["bob"]!
                let hosts = net.hostsFiles["alice"]!
                try await eventually("alice's hosts file holds bob and carol") {
                    let text = try String(contentsOfFile: hosts, encoding: .utf8)
                    guard text.contains("\(bob)\tbob.overlay.internal bob"), text.contains("carol.overlay.internal") else { throw NotYet(text) }
                }
                let text = try String(contentsOfFile: hosts, encoding: .utf8)
                #expect(text.hasPrefix("127.0.0.1\tlocalhost\n# kept as it is\n"), "the rest of the file is kept: \(text)")
                // getent reads /etc/hosts: give it alice's file there, in a mount namespace of its own.
                let getent = try await Netns.run(try net.ns("alice"), [
                    "unshare", "-m", "sh", "-c", "mount --bind \"$0\" /etc/hosts && getent hosts bob.overlay.internal && getent hosts carol", hosts,
                ])
                #expect(getent.succeeded && getent.stdout.contains("\(bob)") && getent.stdout.contains("carol"), "\(getent)")

                // bob leaves: within a roster interval his name is gone from the resolver and the file.
                _ = try await net.cluster.stop(net.nodes["bob"]!)
                try await eventually("bob's name stops resolving on alice", limit: 30) {
                    let r = try await net.dig(from: "alice", alice, ["bob.overlay.internal"])
                    guard r.stdout.contains("status: NXDOMAIN") else { throw NotYet("\(r)") }
                }
                try await eventually("bob leaves alice's hosts file") {
                    let text = try String(contentsOfFile: hosts, encoding: .utf8)
                    guard !text.contains("bob.overlay.internal") else { throw NotYet(text) }
                }
                // alice stops: her block goes, the rest of the file stays as it was.
                _ = try await net.cluster.stop(net.nodes["alice"]!)
                let final = try String(contentsOfFile: hosts, encoding: .utf8)
                #expect(final == "127.0.0.1\tlocalhost\n# kept as it is\n", "after alice stopped: \(final)")
            }
        }
    }
}

/// Python programs for the names tests: raw UDP and TCP, nothing of ours.
enum NamePrograms {
    /// Sends malformed queries to argv[1]:argv[2] over UDP and TCP; prints BAD for any answer that is not
    /// FORMERR/REFUSED/NOTIMP with the query's id, and "answered N" at the end.
    static let hostile = """
    import os, random, socket, struct, sys
    rng = random.Random(7); host, port = sys.argv[1], int(sys.argv[2]); answered = 0
    def q(ident, qd=1, name=b"\\x03bob\\x07overlay\\x08internal\\x00", tail=b"\\x00\\x01\\x00\\x01", flags=0x0100):
        return struct.pack("!HHHHHH", ident, flags, qd, 0, 0, 0) + name + tail
    cases = [
        q(1, name=b"\\xc0\\x0c"),                               # pointer to itself
        q(2, name=b"\\x03bob\\xc0\\x20"),                        # pointer forward
        q(3, name=b"\\x40" + b"a" * 64 + b"\\x00"),              # label type 0x40
        q(4, name=(b"\\x3f" + b"a" * 63) * 5 + b"\\x00"),        # name over 255
        q(5, qd=2),                                            # two questions
        q(6)[:20],                                             # truncated
        q(7, tail=b""),                                        # no type/class
        q(8) + b"trailing",                                    # trailing bytes
        q(9, flags=0x1100),                                    # opcode 2
        b"\\x00" * 5,                                           # runt
        q(10, flags=0x8100),                                   # a response
        os.urandom(3000),                                      # oversized
    ] + [bytes(rng.getrandbits(8) for _ in range(rng.randint(12, 80))) for _ in range(200)]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.3)
    for c in cases:
        s.sendto(c, (host, port))
        try:
            r, _ = s.recvfrom(4096)
        except socket.timeout:
            continue
        answered += 1
        rcode = r[3] & 15
        if len(r) < 12 or r[:2] != c[:2] or not (r[2] & 0x80) or rcode not in (1, 4, 5, 2, 3, 0):
            print("BAD", c.hex(), r.hex())
    for c in cases[:9]:
        t = socket.create_connection((host, port), timeout=3)
        t.sendall(struct.pack("!H", len(c)) + c)
        try:
            t.recv(4096)
        except OSError:
            pass
        t.close()
    t = socket.create_connection((host, port), timeout=3)
    t.sendall(b"\\xff\\xff" + b"x" * 100)
    try:
        t.recv(10)
    except OSError:
        pass
    t.close()
    print("answered", answered)
    """
}
