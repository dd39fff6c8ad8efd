import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    @Suite("foreign certificate")
    struct ForeignCertificateTests {
        /// mallory enrolls properly in a second, separate network, then is pointed at the first
        /// network's controller with that network's CA planted in its state directory (so it accepts
        /// the controller): the only thing missing is a certificate from the first network's CA.
        @Test("a node with a certificate from another CA gets no roster and no PONG from the network")
        func foreignCertificateIsRefused() async throws {
            try await Cluster.with("home") { home in
                let homeController = try await home.startController()
                let alice = try await home.startNode("alice")
                let bob = try await home.startNode("bob")
                try await home.waitActive(["alice", "bob"])
                try await home.waitFullMesh([alice, bob])

                try await Cluster.with("foreign") { foreign in
                    try await foreign.startController()
                    let mallory = try await foreign.startNode("mallory")
                    try await eventually("mallory is on the foreign network's roster") {
                        guard try await mallory.ctl.nodeStatus().controllerReachable else { throw NotYet("not reachable yet") }
                    }
                    try await foreign.stop(mallory)

                    // Trust the home CA, keep the foreign certificate, talk to the home controller.
                    let homeCA = "\(alice.stateDir)/ca.crt"
                    let plantedCA = "\(mallory.stateDir)/ca.crt"
                    try FileManager.default.removeItem(atPath: plantedCA)
                    try FileManager.default.copyItem(atPath: homeCA, toPath: plantedCA)
                    let malloryLogBefore = mallory.log.count
                    let controllerLogBefore = homeController.process.stderrText.count
                    try await foreign.restart(mallory, extraArguments: ["--controller", homeController.address])

                    // It tries, and the home controller refuses the handshake.
                    try await eventually("mallory's roster request was refused by the home controller") {
                        let malloryLog = String(mallory.log.dropFirst(malloryLogBefore))
                        let controllerLog = String(homeController.process.stderrText.dropFirst(controllerLogBefore))
                        guard malloryLog.contains("controller lost") else { throw NotYet("mallory has not failed a roster request yet") }
                        guard controllerLog.contains("TLS connection refused") else {
                            throw NotYet("the home controller has not logged a refused TLS connection yet")
                        }
                    }
                    let status = try await mallory.ctl.nodeStatus()
                    #expect(!status.controllerReachable, "mallory cannot reach the home controller")
                    #expect(status.rosterVersion == nil, "mallory never got a roster")
                    #expect(try await mallory.ctl.peers().isEmpty, "mallory knows no peers")

                    // The home network never lists it.
                    let roster = try await homeController.ctl.roster()
                    #expect(roster.nodes.map(\.name).sorted() == ["alice", "bob"], "home roster: \(describe(roster))")
                    for node in [alice, bob] {
                        #expect(!(try await node.ctl.peers()).contains { $0.name == "mallory" })
                    }

                    // A direct TLS connection to alice with mallory's certificate is refused by alice.
                    let aliceListen = try await alice.ctl.nodeStatus().listen
                    let aliceLogBefore = alice.log.count
                    let probe = try await Command.run(try Tools.openssl(), [
                        "s_client", "-connect", aliceListen, "-tls1_3",
                        "-cert", "\(mallory.stateDir)/node.crt", "-key", "\(mallory.stateDir)/node.key",
                        "-pass", "file:\(foreign.passphraseFile)",
                        "-CAfile", homeCA, "-verify_return_error", "-ign_eof",
                    ], limit: 30)
                    let output = probe.stdout + probe.stderr
                    #expect(output.contains("Verify return code: 0 (ok)"), "alice's own certificate checks out against the home CA: \(probe)")
                    #expect(output.contains("alert"), "alice ends the handshake with an alert: \(probe)")
                    try await eventually("alice logs the refused connection") {
                        guard String(alice.log.dropFirst(aliceLogBefore)).contains("peer connection refused") else {
                            throw NotYet("no refusal logged by alice yet")
                        }
                    }
                }

                // The home network keeps serving its members.
                try await home.waitFullMesh([alice, bob], pongsAfter: Date())
            }
        }
    }
}
