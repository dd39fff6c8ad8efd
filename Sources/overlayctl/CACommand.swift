import ArgumentParser
import Foundation
import OverlayCore
import OverlayProtocol

/// Moving the network onto a new CA while it runs: rotate, let the nodes
/// renew onto it, retire the old one. The procedure is in docs/operations.md.
struct CA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Show, rotate and retire the network's CAs (controller).",
        discussion: """
            The procedure: 'ca rotate' (the new CA signs from now on; both are trusted; new tokens pin the new one; \
            nodes renew onto it within seconds of their next roster poll), 'ca status' until no active node is left \
            on the old CA, then 'ca retire'.
            """,
        subcommands: [Status.self, Rotate.self, Retire.self])

    static func show(_ listing: CAListing) {
        var table = Table(header: ["ROLE", "SHA256", "SUBJECT", "EXPIRES", "NODES", "ACTIVE ON IT"])
        for c in listing.cas {
            table.rows.append([c.role, String(c.fingerprint.prefix(16)), c.subject, ISO8601DateFormatter().string(from: c.notAfter),
                               String(c.nodes.count), c.activeNodes.isEmpty ? "-" : c.activeNodes.joined(separator: ",")])
        }
        print(table.render())
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted CAs and which nodes hold a certificate of each.")
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                if output.json { printJSON(try await conn.request(.GET, "/v1/ca").body); return }
                CA.show(try await conn.json(.GET, "/v1/ca", as: CAListing.self))
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a new network CA beside the current one: it signs from now on, both are trusted until 'ca retire'.")
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                let listing = try await conn.json(.POST, "/v1/ca/rotate", as: CAListing.self)
                if output.json { printJSON(OverlayJSON.encode(listing, pretty: true)); return }
                CA.show(listing)
                print("rotated: new certificates and new tokens use the new CA; nodes renew onto it after their next roster poll. Retire the old CA with 'overlayctl ca retire' once 'ca status' shows no active node on it.")
            }
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop trusting the previous CA; refused while an active node still holds a certificate of it (they are named).")
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                let listing = try await conn.json(.POST, "/v1/ca/retire", as: CAListing.self)
                if output.json { printJSON(OverlayJSON.encode(listing, pretty: true)); return }
                CA.show(listing)
                print("retired: only the current CA is trusted.")
                if let stranded = listing.stranded, !stranded.isEmpty {
                    print("inactive nodes still on the retired CA, each needing a new token (or 'overlayctl node remove'): \(stranded.joined(separator: ", "))")
                }
            }
        }
    }
}
