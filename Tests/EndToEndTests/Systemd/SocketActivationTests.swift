import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Socket activation with systemd's own tool: `systemd-socket-activate`
    /// binds the sockets, names them (`--fdname`), and starts the daemon on
    /// the first connection with `LISTEN_FDS`/`LISTEN_FDNAMES`, as a `.socket`
    /// unit would.
    @Suite("socket activation")
    struct SocketActivationTests {
        static let tool = ["/usr/bin/systemd-socket-activate", "/bin/systemd-socket-activate"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }

        /// Starts `systemd-socket-activate arguments` under a waiting `sh`. The tool closes every
        /// descriptor it does not pass before it execs the daemon, including the one Foundation's
        /// Process watches to notice its child's exit, which would then wait for the daemon forever;
        /// the shell keeps that descriptor and waits instead. Returns, once the tool listens on
        /// `socket`, the shell and the daemon's pid.
        static func activate(_ cluster: Cluster, label: String, listeningAt socket: String,
                             _ arguments: [String]) async throws -> (shell: ChildProcess, daemon: pid_t) {
            let tool = try #require(Self.tool)
            let shell = try cluster.spawn(label: label, executable: "/bin/sh", arguments: ["-c", "\"$@\"; exit $?", "sh", tool] + arguments,
                                          namespace: nil)
            let pid = try await eventually("sh has started systemd-socket-activate") { () throws -> pid_t in
                let children = (try? String(contentsOfFile: "/proc/\(shell.pid)/task/\(shell.pid)/children", encoding: .utf8)) ?? ""
                guard let first = children.split(separator: " ").first, let pid = pid_t(first) else { throw NotYet("no child yet") }
                return pid
            }
            do {
                try await eventually("systemd-socket-activate listens on \(socket)") {
                    guard FileManager.default.fileExists(atPath: socket) else { throw NotYet("no socket file yet") }
                }
            } catch {
                kill(pid, SIGKILL)
                throw error
            }
            return (shell, pid)
        }

        @Test("the controller serves the passed control and api sockets, binds neither itself, and leaves the passed socket file on exit",
              .enabled(if: tool != nil, "systemd-socket-activate (Debian package systemd) is not installed"))
        func controllerUsesPassedSockets() async throws {
            try await Cluster.with("sockact") { cluster in
                let activated = "\(cluster.directory)/activated.sock"
                let ownSocket = "\(cluster.directory)/own.sock"
                let apiPort = try freePort()
                let unusedPort = try freePort()
                let (controller, controllerPID) = try await Self.activate(cluster, label: "controller", listeningAt: activated, [
                    "-l", activated, "-l", "127.0.0.1:\(apiPort)", "--fdname=control:api",
                    try Binaries.path("overlayd-controller"),
                    "--state-dir", "\(cluster.directory)/controller", "--listen", "127.0.0.1:\(unusedPort)",
                    "--advertise", "127.0.0.1:\(apiPort)", "--socket", ownSocket, "--passphrase-file", cluster.passphraseFile,
                ])
                defer { kill(controllerPID, SIGKILL) }
                // The first connection starts the controller; it answers on the socket it was given.
                let ctl = Overlayctl(socket: activated)
                let status = try await eventually("the activated controller answers on \(activated)") { try await ctl.controllerStatus() }
                #expect(status.registeredNodes == 0)
                #expect(!FileManager.default.fileExists(atPath: ownSocket), "the controller did not bind its own --socket")
                #expect(controller.stderrText.contains("event=ready"), "the controller logged its start: \(controller.stderrText.suffix(400))")

                // The TLS API answers on the passed TCP socket, not on --listen.
                let curl = try await Command.run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}",
                                                                  "https://127.0.0.1:\(apiPort)/v1/no-such-route"])
                #expect(curl.stdout == "404", "the API answers over TLS on the passed port: \(curl)")
                let refused = try await Command.run("/usr/bin/curl", ["-sk", "-o", "/dev/null", "--max-time", "5",
                                                                     "https://127.0.0.1:\(unusedPort)/"])
                #expect(refused.status != 0, "nothing listens on --listen: \(refused)")

                kill(controllerPID, SIGTERM)
                let exit = try await controller.waitForExit()
                #expect(exit.normalExit && exit.code == 0)
                #expect(FileManager.default.fileExists(atPath: activated), "the passed socket belongs to systemd and stays")
            }
        }

        @Test("a passed socket the controller does not use (an unknown FileDescriptorName) is logged with the fix and closed; the controller serves on",
              .enabled(if: tool != nil, "systemd-socket-activate (Debian package systemd) is not installed"))
        func unusedPassedSocketIsClosed() async throws {
            try await Cluster.with("sockact-unused") { cluster in
                let activated = "\(cluster.directory)/activated.sock"
                let stray = "\(cluster.directory)/stray.sock"
                let apiPort = try freePort()
                let (controller, controllerPID) = try await Self.activate(cluster, label: "controller", listeningAt: activated, [
                    "-l", activated, "-l", "127.0.0.1:\(apiPort)", "-l", stray, "--fdname=control:api:metrics",
                    try Binaries.path("overlayd-controller"),
                    "--state-dir", "\(cluster.directory)/controller", "--listen", "127.0.0.1:\(apiPort)",
                    "--advertise", "127.0.0.1:\(apiPort)", "--socket", "\(cluster.directory)/own.sock", "--passphrase-file", cluster.passphraseFile,
                ])
                defer { kill(controllerPID, SIGKILL) }
                let ctl = Overlayctl(socket: activated)
                let status = try await eventually("the activated controller answers on \(activated)") { try await ctl.controllerStatus() }
                #expect(status.registeredNodes == 0)
                let log = controller.stderrText
                #expect(log.contains("event=socket-unused") && log.contains("fdname=metrics") && log.contains("FileDescriptorName="),
                        "the controller names the socket it does not use and what to do: \(log.suffix(600))")
                // The stray socket is bound elsewhere than --socket, so it is not adopted. The daemon was its
                // only holder (the tool execs it; under systemd PID 1 would keep a copy): once closed, nothing listens there.
                let stranded = try await Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "5",
                                                                      "--unix-socket", stray, "http://localhost/"])
                #expect(stranded.status == 7, "connecting to the unused socket is refused, not left hanging (curl exit 7): \(stranded)")
                #expect(try await ctl.controllerStatus().registeredNodes == 0, "the controller serves on")
                kill(controllerPID, SIGTERM)
                #expect(try await controller.waitForExit().code == 0)
            }
        }

        @Test("a passed socket bound to --socket but named otherwise (a .socket unit without FileDescriptorName=control) is adopted with a warning and served",
              .enabled(if: tool != nil, "systemd-socket-activate (Debian package systemd) is not installed"))
        func controlSocketAdoptedByAddress() async throws {
            try await Cluster.with("sockact-adopt") { cluster in
                let activated = "\(cluster.directory)/controller.sock"
                let apiPort = try freePort()
                // Under systemd PID 1 keeps its own copy of the socket: closing ours would leave the path
                // "already served". So the daemon must serve the passed socket, not bind a new one.
                let (controller, controllerPID) = try await Self.activate(cluster, label: "controller", listeningAt: activated, [
                    "-l", activated, "-l", "127.0.0.1:\(apiPort)", "--fdname=overlayd-controller.socket:api",
                    try Binaries.path("overlayd-controller"),
                    "--state-dir", "\(cluster.directory)/controller", "--listen", "127.0.0.1:\(apiPort)",
                    "--advertise", "127.0.0.1:\(apiPort)", "--socket", activated, "--passphrase-file", cluster.passphraseFile,
                ])
                defer { kill(controllerPID, SIGKILL) }
                let ctl = Overlayctl(socket: activated)
                let status = try await eventually("the activated controller answers on \(activated)") { try await ctl.controllerStatus() }
                #expect(status.registeredNodes == 0)
                let log = controller.stderrText
                #expect(log.contains("event=socket-adopted") && log.contains("fdname=overlayd-controller.socket")
                        && log.contains("FileDescriptorName=control"), "the warning names the socket and the fix: \(log.suffix(600))")
                #expect(!log.contains("event=socket-unused"), "the adopted socket is not closed as unused: \(log.suffix(600))")
                kill(controllerPID, SIGTERM)
                #expect(try await controller.waitForExit().code == 0)
                #expect(FileManager.default.fileExists(atPath: activated), "an adopted socket belongs to systemd and stays (one the controller bound itself would be removed)")
            }
        }

        @Test("a node serves the passed control and peer sockets; a socket it was not given it binds itself and removes on exit",
              .enabled(if: tool != nil, "systemd-socket-activate (Debian package systemd) is not installed"))
        func nodeUsesPassedSockets() async throws {
            try await Cluster.with("sockact-node") { cluster in
                try await cluster.startController()
                let token = try await cluster.token()
                let activated = "\(cluster.directory)/alice-activated.sock"
                let ownSocket = "\(cluster.directory)/alice-own.sock"
                let peerPort = try freePort()
                let (alice, alicePID) = try await Self.activate(cluster, label: "alice", listeningAt: activated, [
                    "-l", activated, "-l", "127.0.0.1:\(peerPort)", "--fdname=control:peer",
                    try Binaries.path("overlayd-node"),
                    "--name", "alice", "--state-dir", "\(cluster.directory)/nodes/alice", "--listen", "127.0.0.1:1",
                    "--socket", ownSocket, "--passphrase-file", cluster.passphraseFile, "--join-token", token,
                    "--roster-interval", "1s", "--ping-interval", "1s", "--no-tun",
                ])
                defer { kill(alicePID, SIGKILL) }
                let status = try await eventually("the activated node answers on \(activated)") {
                    try await Overlayctl(socket: activated).nodeStatus()
                }
                #expect(status.name == "alice")
                #expect(status.listen.hasSuffix(":\(peerPort)"), "alice listens for peers on the passed port: \(status.listen)")
                #expect(!FileManager.default.fileExists(atPath: ownSocket))

                // bob reaches alice on the passed peer socket.
                let bob = try await cluster.startNode("bob")
                try await eventually("bob gets PONGs from alice") {
                    guard try await bob.ctl.peers().contains(where: { $0.name == "alice" && $0.state == "up" }) else {
                        throw NotYet("alice not up on bob")
                    }
                }
                kill(alicePID, SIGTERM)
                #expect(try await alice.waitForExit().code == 0)
                #expect(FileManager.default.fileExists(atPath: activated), "the passed socket stays")

                // Without socket activation the node binds its own socket and removes it on exit.
                #expect(FileManager.default.fileExists(atPath: bob.socket))
                _ = try await cluster.stop(bob)
                #expect(!FileManager.default.fileExists(atPath: bob.socket), "a socket the node bound itself is removed on exit")
            }
        }
    }
}
