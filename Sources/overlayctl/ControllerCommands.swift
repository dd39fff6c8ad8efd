import ArgumentParser
import Foundation
import OverlayCore
import OverlayProtocol

struct Roster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List registered nodes: overlay IP, endpoint, active, last seen (controller).")
    @OptionGroup var socket: ControllerSocketOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await perform {
            let conn = try await socket.connect()
            if output.json { printJSON(try await conn.request(.GET, "/v1/roster").body); return }
            let listing = try await conn.json(.GET, "/v1/roster", as: RosterListing.self)
            var table = Table(header: ["NAME", "OVERLAY IP", "ENDPOINT", "ACTIVE", "LAST SEEN"])
            for n in listing.nodes {
                table.rows.append([Format.fullName(n.name, listing.domain), n.overlayIP, n.endpoint ?? "-", n.active ? "yes" : "no", Format.ago(n.lastSeen)])
            }
            print(table.render())
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create, list and revoke join tokens (controller).",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a join token and print it (shown once).")
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("How long the token is valid.", valueName: "duration")) var ttl = "1h"
        @Option(help: "How many nodes may join with it.") var uses = 1
        @Option(help: ArgumentHelp("A label for 'token list'.", valueName: "label")) var name: String?

        func validate() throws {
            guard (try? DurationParser.parse(ttl)) != nil else { throw ValidationError("--ttl '\(ttl)' is not a duration such as 10m, 1h, 7d") }
            guard uses >= 1 else { throw ValidationError("--uses must be at least 1") }
        }

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                let request = TokenCreateRequest(ttlSeconds: try DurationParser.parse(ttl), uses: uses, name: name)
                let created = try await conn.json(.POST, "/v1/tokens", body: request, as: TokenCreated.self)
                if output.json { printJSON(OverlayJSON.encode(created, pretty: true)); return }
                print(created.token)
                FileHandle.standardError.write(Data("token \(created.info.id): \(created.info.usesLeft) use(s), expires \(Format.date(created.info.expiresAt))\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List join tokens (never their secrets).")
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                if output.json { printJSON(try await conn.request(.GET, "/v1/tokens").body); return }
                let list = try await conn.json(.GET, "/v1/tokens", as: TokenList.self)
                var table = Table(header: ["ID", "NAME", "USES LEFT", "EXPIRES", "STATE"])
                for t in list.tokens {
                    let state = t.revoked ? "revoked" : t.expiresAt < Date() ? "expired" : t.usesLeft == 0 ? "used up" : "valid"
                    table.rows.append([t.id, t.name ?? "-", String(t.usesLeft), Format.date(t.expiresAt), state])
                }
                print(table.render())
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a join token so no further node can use it.")
        @OptionGroup var socket: ControllerSocketOptions
        @Argument(help: "Token id, as 'token list' shows it.") var id: String

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                let _: [String: String] = try await conn.json(.DELETE, "/v1/tokens/\(id)", as: [String: String].self)
                print("revoked token \(id)")
            }
        }
    }
}

struct Node: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage registered nodes (controller).", subcommands: [Add.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a node whose certificate was made with openssl (certs/make-node.sh) instead of a join token.",
            discussion: """
                The certificate must be signed by this network's CA, valid now, with CN = the node name (also its \
                only DNS SAN) and exactly one IP SAN: a free overlay IP inside the network. The node then starts \
                from its state directory with no token. See certs/README.md.
                """)
        @OptionGroup var socket: ControllerSocketOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("The node's certificate, PEM (node.crt).", valueName: "file")) var cert: String

        func run() async throws {
            try await perform {
                guard let data = FileManager.default.contents(atPath: cert) else {
                    throw ValidationError("cannot read the certificate file \(cert)")
                }
                guard data.count <= 64 * 1024 else { throw ValidationError("\(cert) is larger than 64 KiB; give the node's certificate (node.crt)") }
                let conn = try await socket.connect()
                let request = NodeImportRequest(certificate: String(decoding: data, as: UTF8.self))
                let added = try await conn.json(.POST, "/v1/nodes", body: request, as: RegisteredNode.self)
                if output.json { printJSON(OverlayJSON.encode(added, pretty: true)); return }
                print("added node \(added.name) (\(added.overlayIP)), certificate sha256 \(added.fingerprint)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a node's registration: its certificate is refused from now on and its name and IP are free.")
        @OptionGroup var socket: ControllerSocketOptions
        @Argument(help: "Node name.") var name: String

        func run() async throws {
            try await perform {
                let conn = try await socket.connect()
                let removed = try await conn.json(.DELETE, "/v1/nodes/\(name)", as: NodeRemoved.self)
                print("removed node \(removed.name)")
            }
        }
    }
}
