import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// The daemons as systemd runs them: an ordinary user without any
    /// capability. The other tests run everything as root, which hides
    /// socket options only root may set (a TCP_NODELAY given at the socket
    /// level is SO_DEBUG, which needs CAP_NET_ADMIN: every connection was
    /// closed at accept and at connect).
    @Suite("unprivileged", .enabled(if: getuid() == 0, "needs root to drop to user nobody"))
    struct UnprivilegedTests {
        static let uid = "65534"  // nobody

        /// `setpriv` drops to `uid` with no groups and no capabilities, then execs the program.
        static func asNobody(_ program: String, _ arguments: [String]) throws -> (String, [String]) {
            (try Tools.find("setpriv"), ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--inh-caps=-all", "--", program] + arguments)
        }

        static func ctl(_ socket: String, _ arguments: [String]) async throws -> CommandResult {
            let (exe, args) = try asNobody(try Binaries.path("overlayctl"), arguments + ["--socket", socket])
            return try await Command.run(exe, args, limit: 30)
        }

        @Test("as an unprivileged user: the controller enrolls two nodes, they PING each other, overlayctl talks to all three")
        func daemonsRunWithoutPrivileges() async throws {
            let dir = "/tmp/ovl-e2e-nobody-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            var children: [ChildProcess] = []
            defer {
                for child in children { child.kill9() }
                try? FileManager.default.removeItem(atPath: dir)
            }
            let run = "\(dir)/run"
            try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let passphrase = "\(run)/passphrase"
            try Data("nobody-passphrase-\(UUID().uuidString)\n".utf8).write(to: URL(fileURLWithPath: passphrase))
            chmod(passphrase, 0o600)
            for path in [run, passphrase] { chown(path, 65534, 65534) }

            func launch(_ label: String, _ program: String, _ arguments: [String]) throws -> ChildProcess {
                let (exe, args) = try Self.asNobody(try Binaries.path(program), arguments)
                let child = try ChildProcess(label: label, executable: exe, arguments: args, logDirectory: dir)
                children.append(child)
                return child
            }
            func log(_ child: ChildProcess) -> String { "\(child.label) log:\n\(child.stderrText.trimmed)" }

            let port = try freePort()
            let controllerSocket = "\(run)/controller.sock"
            let controller = try launch("controller", "overlayd-controller", [
                "--state-dir", "\(run)/controller", "--listen", "127.0.0.1:\(port)", "--advertise", "127.0.0.1:\(port)",
                "--socket", controllerSocket, "--passphrase-file", passphrase, "--active-timeout", "60s",
            ])
            try await eventually("the controller, as nobody, answers overlayctl, as nobody") {
                if controller.termination != nil { throw GiveUp("the controller exited: \(log(controller))") }
                let status = try await Self.ctl(controllerSocket, ["status", "--json"])
                guard status.succeeded else { throw NotYet("\(status)") }
            }

            var nodes: [(name: String, socket: String, process: ChildProcess)] = []
            for name in ["alice", "bob"] {
                let token = try await Self.ctl(controllerSocket, ["token", "create", "--ttl", "10m"])
                try #require(token.succeeded, "token create as nobody: \(token)")
                let socket = "\(run)/\(name).sock"
                let node = try launch(name, "overlayd-node", [
                    "--name", name, "--state-dir", "\(run)/\(name)", "--listen", "127.0.0.1:0", "--socket", socket,
                    "--passphrase-file", passphrase, "--join-token", token.stdout.trimmed,
                    "--roster-interval", "1s", "--ping-interval", "1s", "--ping-timeout", "5s", "--no-tun",
                    // Unprivileged: the resolver on an unprivileged port, on the node's own loopback address.
                    "--dns-port", "5353",
                ])
                nodes.append((name, socket, node))
            }

            // Enrollment and roster polls: the nodes' TLS client connections to the controller's TLS API.
            try await eventually("alice and bob are active in the roster") {
                for node in nodes where node.process.termination != nil { throw GiveUp("\(node.name) exited: \(log(node.process))") }
                let roster = try await Self.ctl(controllerSocket, ["roster", "--json"])
                guard roster.succeeded else { throw NotYet("\(roster)") }
                let listing = try OverlayJSON.decoder().decode(RosterListing.self, from: Data(roster.stdout.utf8))
                guard Set(listing.nodes.filter(\.active).map(\.name)) == ["alice", "bob"] else { throw NotYet(describe(listing)) }
            }
            // PING/PONG both ways: the peer listener's accepted connections and the peers' outgoing ones.
            for (node, other) in [(nodes[0], "bob"), (nodes[1], "alice")] {
                try await eventually("\(node.name) sees \(other) up") {
                    let peers = try await Self.ctl(node.socket, ["peers", "--json"])
                    guard peers.succeeded else { throw NotYet("\(peers)") }
                    let reply = try OverlayJSON.decoder().decode(PeersResponse.self, from: Data(peers.stdout.utf8))
                    guard let p = reply.peers.first(where: { $0.name == other }), p.state == "up", p.rttMs != nil else {
                        throw NotYet(describe(reply.peers))
                    }
                }
            }
            // The resolver of an unprivileged node answers overlayctl resolve, itself run as nobody.
            try await eventually("alice's resolver answers bob's name") {
                let resolved = try await Self.ctl(nodes[0].socket, ["resolve", "bob", "--json"])
                guard resolved.succeeded, resolved.stdout.contains("bob.overlay.internal") else { throw NotYet("\(resolved)") }
            }
            for process in [controller] + nodes.map(\.process) {
                #expect(process.termination == nil, "\(process.label) still runs: \(log(process))")
            }

            // Without --no-tun a node wants a TUN, which nobody may make: it stops at once, says why and
            // what to do, and has not spent its join token.
            let token = try await Self.ctl(controllerSocket, ["token", "create", "--ttl", "10m"])
            let carol = try launch("carol", "overlayd-node", [
                "--name", "carol", "--state-dir", "\(run)/carol", "--listen", "127.0.0.1:0", "--socket", "\(run)/carol.sock",
                "--passphrase-file", passphrase, "--join-token", token.stdout.trimmed,
            ])
            let exit = try await carol.waitForExit()
            #expect(exit.code != 0)
            let said = carol.stderrText
            #expect(said.contains("CAP_NET_ADMIN") && said.contains("--no-tun"), "carol said: \(said)")
            let tokens = try await Self.ctl(controllerSocket, ["token", "list", "--json"])
            let list = try OverlayJSON.decoder().decode(TokenList.self, from: Data(tokens.stdout.utf8))
            // By id: tokens made in the same second cannot be told apart by createdAt.
            let carolsID = try JoinToken(parsing: token.stdout.trimmed).id
            let carolsToken = list.tokens.first { $0.id == carolsID }
            #expect(carolsToken?.usesLeft == 1, "carol's token: \(tokens)")

            // A node without a TUN still wants port 53 for its resolver unless told otherwise: the same early stop.
            let daveToken = try await Self.ctl(controllerSocket, ["token", "create", "--ttl", "10m"])
            let dave = try launch("dave", "overlayd-node", [
                "--name", "dave", "--state-dir", "\(run)/dave", "--listen", "127.0.0.1:0", "--socket", "\(run)/dave.sock",
                "--passphrase-file", passphrase, "--join-token", daveToken.stdout.trimmed, "--no-tun",
            ])
            let daveExit = try await dave.waitForExit()
            #expect(daveExit.code != 0)
            #expect(dave.stderrText.contains("CAP_NET_BIND_SERVICE") && dave.stderrText.contains("--dns off"), "dave said: \(dave.stderrText)")
            let after = try OverlayJSON.decoder().decode(TokenList.self,
                                                         from: Data(try await Self.ctl(controllerSocket, ["token", "list", "--json"]).stdout.utf8))
            let davesID = try JoinToken(parsing: daveToken.stdout.trimmed).id
            #expect(after.tokens.first { $0.id == davesID }?.usesLeft == 1, "dave's token was spent")
        }
    }
}
