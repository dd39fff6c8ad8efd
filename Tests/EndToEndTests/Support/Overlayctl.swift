import Foundation
import OverlayProtocol

/// `overlayctl ... --socket PATH`, run as a real process; read commands use
/// `--json` and decode into the shared API types.
struct Overlayctl: Sendable {
    let socket: String

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await Command.run(try Binaries.path("overlayctl"), arguments + ["--socket", socket], limit: 30)
    }

    /// Runs a read command with `--json`; throws (with stderr) if it fails or the output does not decode.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
        let result = try await run(arguments + ["--json"])
        guard result.succeeded else { throw OverlayctlFailed(result: result) }
        do {
            return try OverlayJSON.decoder().decode(T.self, from: Data(result.stdout.utf8))
        } catch {
            throw OverlayctlFailed(result: result, decodeError: "\(error)")
        }
    }

    // Node socket.
    func peers() async throws -> [PeerStatus] { try await json(PeersResponse.self, ["peers"]).peers }
    func nodeStatus() async throws -> NodeStatus { try await json(NodeStatus.self, ["status"]) }

    // Controller socket.
    func roster() async throws -> RosterListing { try await json(RosterListing.self, ["roster"]) }
    func controllerStatus() async throws -> ControllerStatus { try await json(ControllerStatus.self, ["status"]) }

    /// `overlayctl token create`: the token is the one line on stdout.
    func createToken(ttl: String = "10m", uses: Int = 1) async throws -> String {
        let result = try await run(["token", "create", "--ttl", ttl, "--uses", String(uses)])
        guard result.succeeded, !result.stdout.trimmed.isEmpty else { throw OverlayctlFailed(result: result) }
        return result.stdout.trimmed
    }
}

struct OverlayctlFailed: Error, CustomStringConvertible {
    var result: CommandResult
    var decodeError: String?
    var description: String {
        decodeError.map { "overlayctl output did not decode (\($0)): \(result)" } ?? "overlayctl failed: \(result)"
    }
}
