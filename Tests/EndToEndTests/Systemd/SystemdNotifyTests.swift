import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Both daemons run as systemd would run a `Type=notify` service with
    /// `WatchdogSec=`: a real `$NOTIFY_SOCKET` (a datagram socket this test
    /// reads) and `$WATCHDOG_USEC`.
    @Suite("systemd notify")
    struct SystemdNotifyTests {
        static let watchdogUsec = 1_000_000

        @Test("READY only once serving, STATUS lines that change with the mesh, WATCHDOG pings at half WATCHDOG_USEC, STOPPING on SIGTERM")
        func readyStatusWatchdogStopping() async throws {
            try await Cluster.with("notify") { cluster in
                let controllerNotify = try NotifySocket(path: "\(cluster.directory)/controller.notify")
                let aliceNotify = try NotifySocket(path: "\(cluster.directory)/alice.notify")
                let bobNotify = try NotifySocket(path: "\(cluster.directory)/bob.notify")
                defer { [controllerNotify, aliceNotify, bobNotify].forEach { $0.stop() } }

                let controller = try await cluster.startController(environment: controllerNotify.environment.merging(
                    ["WATCHDOG_USEC": "\(Self.watchdogUsec)"]) { _, new in new })
                try await controllerNotify.wait(for: "READY=1")
                // READY came after the control socket was bound: it answers at once, no retry.
                _ = try await controller.ctl.controllerStatus()
                let first = try #require(controllerNotify.messages.first { $0.has("READY=1") }?.status)
                #expect(first == "0 active / 0 registered nodes, roster v0", "controller's first STATUS: \(first)")

                // alice's stderr is not the journal stream named in JOURNAL_STREAM: readable lines stay on stderr.
                let alice = try cluster.launchNode("alice", token: try await cluster.token(),
                                                   environment: aliceNotify.environment.merging(["JOURNAL_STREAM": "1:1"]) { _, new in new })
                try await aliceNotify.wait(for: "READY=1")
                let aliceStatus = try await alice.ctl.nodeStatus()
                #expect(aliceStatus.name == "alice", "READY=1 came once the identity was loaded and the socket answers")
                let aliceReady = try #require(aliceNotify.messages.first { $0.has("READY=1") }?.status)
                #expect(aliceReady.hasPrefix("enrolled as alice (100.64.") && aliceReady.hasSuffix("), waiting for roster")
                        || aliceReady.contains(" peers up, roster v"), "alice's first STATUS: \(aliceReady)")

                let bob = try cluster.launchNode("bob", token: try await cluster.token(), environment: bobNotify.environment)
                try await bobNotify.wait(for: "READY=1")
                try await cluster.waitNodeReady(bob)

                for notify in [aliceNotify, bobNotify] {
                    try await notify.waitStatus("1/1 peers up") { $0.hasPrefix("1/1 peers up, roster v") }
                }
                try await controllerNotify.waitStatus("2 active / 2 registered nodes") { $0.hasPrefix("2 active / 2 registered nodes, roster v") }
                for (name, notify) in [("controller", controllerNotify), ("alice", aliceNotify), ("bob", bobNotify)] {
                    let statuses = notify.statuses
                    #expect(Set(statuses).count >= 2, "\(name)'s STATUS changed as the network formed: \(statuses)")
                    #expect(zip(statuses, statuses.dropFirst()).allSatisfy { $0 != $1 }, "\(name) sends STATUS only when it changes: \(statuses)")
                }
                #expect(alice.log.contains("event=pong") && alice.log.contains("peer=bob") && alice.log.contains("rtt_usec="),
                        "alice's PONG lines are readable on stderr with their fields: \(alice.log.suffix(600))")

                // Watchdog: pings for a few seconds, counted over the span they cover.
                try await eventually("the controller has sent several WATCHDOG=1", limit: 30) {
                    let count = controllerNotify.messages.filter { $0.has("WATCHDOG=1") }.count
                    guard count >= 8 else { throw NotYet("\(count) pings so far") }
                }
                let pings = controllerNotify.messages.filter { $0.has("WATCHDOG=1") }.map(\.at)
                let span = try #require(pings.last) - pings[0]
                let gaps = zip(pings, pings.dropFirst()).map { $1 - $0 }
                let limit = Double(Self.watchdogUsec) / 1e6
                #expect(gaps.allSatisfy { $0 < limit }, "every gap between pings stays under WATCHDOG_USEC: \(gaps)")
                // At half of WATCHDOG_USEC, n pings cover about (n-1) × 0.5 s; far fewer or far more means the wrong rate.
                let perSecond = Double(pings.count - 1) / span
                #expect(perSecond > 1.2 && perSecond < 4, "\(pings.count) pings over \(span) s = \(perSecond)/s; expected about 2/s")
                #expect(aliceNotify.messages.allSatisfy { !$0.has("WATCHDOG=1") }, "no pings without WATCHDOG_USEC")

                for (process, notify) in [(alice.process, aliceNotify), (controller.process, controllerNotify)] {
                    process.signal(SIGTERM)
                    let ready = notify.messages.firstIndex { $0.has("READY=1") } ?? -1
                    try await notify.wait(for: "STOPPING=1", after: ready)
                    let exit = try await process.waitForExit()
                    #expect(exit.normalExit && exit.code == 0, "\(process.label) exits 0 after STOPPING=1")
                }
            }
        }

        @Test("SIGHUP re-reads the config: RELOADING=1 then READY=1, the new log level, active timeout, roster and ping intervals and report RTT floor apply, a changed listener is reported as needing a restart; a broken file is refused and the daemon serves on")
        func reloadOnHangup() async throws {
            try await Cluster.with("reload") { cluster in
                let controllerNotify = try NotifySocket(path: "\(cluster.directory)/controller.notify")
                let aliceNotify = try NotifySocket(path: "\(cluster.directory)/alice.notify")
                defer { [controllerNotify, aliceNotify].forEach { $0.stop() } }

                // The controller's active timeout comes from its config file only (flags would win over it).
                let port = try freePort()
                let controllerConfig = "\(cluster.directory)/controller.conf"
                try write(controllerConfig, "active-timeout = \"60s\"\nlog-level = \"info\"\n")
                let controller = try cluster.spawn(label: "controller", executable: try Binaries.path("overlayd-controller"), arguments: [
                    "--config", controllerConfig, "--state-dir", "\(cluster.directory)/controller", "--listen", "127.0.0.1:\(port)",
                    "--advertise", "127.0.0.1:\(port)", "--socket", "\(cluster.directory)/c.sock", "--passphrase-file", cluster.passphraseFile,
                ], namespace: nil, environment: controllerNotify.environment)
                let ctl = Overlayctl(socket: "\(cluster.directory)/c.sock")
                try await controllerNotify.wait(for: "READY=1")
                #expect(try await ctl.controllerStatus().activeTimeoutSeconds == 60)

                try write(controllerConfig, "active-timeout = \"45s\"\nlog-level = \"info\"\n")
                let before = controllerNotify.messages.count - 1
                controller.signal(SIGHUP)
                let reloading = try await controllerNotify.wait(for: "RELOADING=1", after: before)
                try await controllerNotify.wait(for: "READY=1", after: reloading)
                #expect(try await ctl.controllerStatus().activeTimeoutSeconds == 45, "the new active timeout is in effect")
                #expect(controller.stderrText.contains("changed=active-timeout=45.0"), "the reload says what changed")

                // A node whose log level and timers come from its config file only (launchNode's flags would win over it).
                let token = try await ctl.createToken()
                let nodeConfig = "\(cluster.directory)/alice.conf"
                let timers = "ping-timeout = \"5s\"\n"
                try write(nodeConfig, timers + "log-level = \"info\"\nroster-interval = \"1s\"\nping-interval = \"1s\"\nreport-rtt-floor = \"1ms\"\n")
                let aliceSocket = "\(cluster.directory)/alice.sock"
                let aliceProcess = try cluster.spawn(label: "alice", executable: try Binaries.path("overlayd-node"), arguments: [
                    "--config", nodeConfig, "--name", "alice", "--state-dir", "\(cluster.directory)/nodes/alice", "--listen", "127.0.0.1:0",
                    "--socket", aliceSocket, "--passphrase-file", cluster.passphraseFile, "--join-token", token,
                ], namespace: nil, environment: aliceNotify.environment)
                let alice = NodeHandle(name: "alice", label: "alice", host: "127.0.0.1", namespace: nil, stateDir: "\(cluster.directory)/nodes/alice",
                                       socket: aliceSocket, process: aliceProcess)
                try await aliceNotify.wait(for: "READY=1")
                #expect(try await alice.ctl.nodeStatus().timers == NodeTimerSettings(
                    rosterIntervalSeconds: 1, pingIntervalSeconds: 1, pingTimeoutSeconds: 5, reportRTTFloorSeconds: 0.001))
                let bobToken = try await ctl.createToken()
                let bob = try cluster.launchNode("bob", token: bobToken)
                try await cluster.waitNodeReady(bob)
                try await eventually("alice answers bob's PINGs") {
                    guard bob.log.contains("event=pong") && bob.log.contains("peer=alice") else { throw NotYet("no PONG from alice yet") }
                }
                #expect(!alice.log.contains("answered PING"), "no debug lines at level info")

                let metricsPort = try freePort()
                try write(nodeConfig, timers + "log-level = \"debug\"\nroster-interval = \"1h\"\nping-interval = \"3s\"\nreport-rtt-floor = \"20ms\"\n"
                          + "metrics-listen = \"127.0.0.1:\(metricsPort)\"\n")
                var mark = aliceNotify.messages.count - 1
                alice.process.signal(SIGHUP)
                var index = try await aliceNotify.wait(for: "RELOADING=1", after: mark)
                try await aliceNotify.wait(for: "READY=1", after: index)
                try await eventually("alice logs debug lines after the reload") {
                    guard alice.log.contains("answered PING") else { throw NotYet("no debug line yet") }
                }
                #expect(alice.log.contains("event=reload"), "alice logs the reload")
                // The loops and the health reporter read these every round: the control API shows what they read now.
                let reloaded = try await alice.ctl.nodeStatus()
                #expect(reloaded.timers == NodeTimerSettings(
                    rosterIntervalSeconds: 3600, pingIntervalSeconds: 3, pingTimeoutSeconds: 5, reportRTTFloorSeconds: 0.02),
                        "the reloaded intervals and RTT floor are in effect")
                let text = try await alice.ctl.run(["status"])
                #expect(text.stdout.contains("timers:      roster every 1h, ping every 3s (timeout 5s), report RTT floor 20ms"), "\(text)")
                // The poller obeys: the pause it had started (1 s) may end in one more poll, then the next is an hour away.
                // (Slowness only lowers the count; at the old 1 s interval 5 s hold several polls.)
                try await Task.sleep(for: .seconds(5))
                let polls = try await alice.ctl.nodeStatus().rosterPolls
                #expect(polls <= reloaded.rosterPolls + 1, "roster polls after the reload to 1h: \(reloaded.rosterPolls) then \(polls)")
                #expect(alice.log.contains("roster-interval=3600.0") && alice.log.contains("ping-interval=3.0")
                        && alice.log.contains("report-rtt-floor=0.02"), "the reload names what it applied: \(alice.log.suffix(800))")
                #expect(alice.log.contains("event=reload-needs-restart") && alice.log.contains("settings=metrics-listen"),
                        "a new metrics listener is reported as needing a restart: \(alice.log.suffix(800))")
                let metrics = try await Command.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "--max-time", "5",
                                                                      "http://127.0.0.1:\(metricsPort)/metrics"])
                #expect(metrics.status != 0, "the metrics listener opens only at the next start: \(metrics)")

                // A file that no longer parses: refused, the old settings stay, alice serves on.
                try write(nodeConfig, "log-level = \n")
                mark = aliceNotify.messages.count - 1
                alice.process.signal(SIGHUP)
                index = try await aliceNotify.wait(for: "RELOADING=1", after: mark)
                try await aliceNotify.wait(for: "READY=1", after: index)
                try await eventually("alice refuses the broken file") {
                    guard alice.log.contains("configuration reload refused") && alice.log.contains("alice.conf")
                    else { throw NotYet("no refusal logged yet") }
                }
                #expect(alice.process.isRunning)
                #expect(try await alice.ctl.nodeStatus().name == "alice", "alice still serves her control socket")
                let debugLines = alice.log.components(separatedBy: "answered PING").count
                try await eventually("alice keeps the debug level after the refused reload") {
                    guard alice.log.components(separatedBy: "answered PING").count > debugLines else { throw NotYet("no new debug line") }
                }
            }
        }
    }
}

private func write(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}
