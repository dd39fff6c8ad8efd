import Foundation
import OverlayProtocol
import Testing

extension EndToEnd {
    /// The operator's way without tokens (certs/README.md): the CA and a node
    /// certificate made with the openssl command by certs/make-ca.sh and
    /// certs/make-node.sh, the node registered with `overlayctl node add`, and
    /// then a real mesh with a node that enrolled with a token.
    @Suite("pre-shared certificates")
    struct PreSharedCertificateTests {
        /// The repository's certs/ directory, found from this file.
        static let certsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("certs").path

        static func script(_ name: String, _ arguments: [String]) async throws -> CommandResult {
            try await Command.run("/bin/sh", ["\(certsDir)/\(name)"] + arguments, limit: 60)
        }

        @Test("a node whose certificate make-node.sh made joins with no token and exchanges PING/PONG both ways with a token-enrolled node")
        func preSharedNodeJoinsAndPings() async throws {
            _ = try Tools.openssl()
            try await Cluster.with("preshared") { cluster in
                // The CA, made by make-ca.sh straight into the controller's empty state directory.
                let controllerState = "\(cluster.directory)/controller"
                let ca = try await Self.script("make-ca.sh", ["-p", cluster.passphraseFile, controllerState])
                try #require(ca.succeeded, "make-ca.sh: \(ca)")
                let controller = try await cluster.startController()
                #expect(controller.process.stderrText.contains("adopted the operator's CA"),
                        "the controller adopts the CA make-ca.sh made: \(controller.process.stderrText)")

                // bob enrolls with a token; the controller signs his certificate.
                let bob = try await cluster.startNode("bob")

                // alice's state directory is made by make-node.sh, signed by the same CA, and registered.
                let aliceIP = "100.64.3.7"
                let aliceState = "\(cluster.directory)/nodes/alice"
                let made = try await Self.script("make-node.sh", [
                    "-c", controllerState, "-p", cluster.passphraseFile, "-P", cluster.passphraseFile,
                    "-n", "alice", "-i", aliceIP, "-N", cluster.settings.network, "-C", controller.address, "-o", aliceState,
                ])
                try #require(made.succeeded, "make-node.sh: \(made)")
                let certificate = try Data(contentsOf: URL(fileURLWithPath: "\(aliceState)/node.crt"))
                let fingerprint = try await Self.sha256(of: "\(aliceState)/node.crt")
                let added = try await controller.ctl.run(["node", "add", "--cert", "\(aliceState)/node.crt"])
                try #require(added.succeeded, "overlayctl node add: \(added)")

                let alice = try cluster.launchNode("alice", token: nil)
                try await cluster.waitNodeReady(alice)
                let listing = try await cluster.waitActive(["alice", "bob"])
                let entry = try #require(listing.nodes.first { $0.name == "alice" })
                #expect(entry.overlayIP == aliceIP, "alice has the IP in her certificate: \(describe(listing))")
                #expect(entry.fingerprint == fingerprint, "the controller registered exactly make-node.sh's certificate")

                // Both directions: alice PINGs bob and bob PINGs alice, each sees the other up with an RTT.
                let mesh = try await cluster.waitFullMesh([alice, bob])
                let bobSeesAlice = try #require(mesh["bob"]?.first { $0.name == "alice" })
                #expect(bobSeesAlice.overlayIP == aliceIP)
                #expect(bobSeesAlice.consecutiveFailures == 0 && bobSeesAlice.lastError == nil)
                let aliceSeesBob = try #require(mesh["alice"]?.first { $0.name == "bob" })
                #expect(aliceSeesBob.consecutiveFailures == 0 && aliceSeesBob.lastError == nil)

                // And on demand, both ways, through the control sockets.
                for (from, to) in [(alice, "bob"), (bob, "alice")] {
                    let ping = try await from.ctl.run(["ping", to, "--count", "2"])
                    #expect(ping.succeeded && ping.stdout.components(separatedBy: "PONG from \(to)").count == 3,
                            "\(from.name) pings \(to): \(ping)")
                }

                // The daemon used the certificate as it was made: it did not replace it.
                #expect(try Data(contentsOf: URL(fileURLWithPath: "\(aliceState)/node.crt")) == certificate)
            }
        }

        /// The SHA-256 fingerprint of a PEM certificate as the controller shows it: lowercase hex, no colons.
        static func sha256(of file: String) async throws -> String {
            let result = try await Command.run(try Tools.openssl(), ["x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
            try #require(result.succeeded, "openssl x509 -fingerprint: \(result)")
            let hex = result.stdout.trimmed.split(separator: "=").last.map(String.init) ?? ""
            return hex.replacingOccurrences(of: ":", with: "").lowercased()
        }
    }
}
