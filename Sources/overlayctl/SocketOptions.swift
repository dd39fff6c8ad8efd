import ArgumentParser
import Foundation
import NIOPosix
import OverlayCore

/// How to find the controller, for controller subcommands.
struct ControllerSocketOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The controller's control socket. (default: \(SocketOptions.controllerSocket))", valueName: "path"))
    var socket: String?

    func connect() async throws -> HTTPClientConnection {
        try await SocketOptions.connect(socket ?? SocketOptions.controllerSocket)
    }
}

/// How to find the daemon: a node, or for `status` either kind.
struct SocketOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Control socket of the daemon to talk to.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("Talk to the node NAME on this host (/run/overlayd/node-NAME.sock).", valueName: "name"))
    var node: String?

    static let runDirectory = "/run/overlayd"
    static let controllerSocket = runDirectory + "/controller.sock"

    func nodePath() throws -> String {
        if let socket { return socket }
        if let node { return "\(Self.runDirectory)/node-\(node).sock" }
        let found = ((try? FileManager.default.contentsOfDirectory(atPath: Self.runDirectory)) ?? [])
            .filter { $0.hasPrefix("node-") && $0.hasSuffix(".sock") }.sorted()
        if found.count == 1 { return "\(Self.runDirectory)/\(found[0])" }
        if found.isEmpty {
            throw ValidationError("no node control socket in \(Self.runDirectory); is overlayd-node running? Give --socket PATH")
        }
        throw ValidationError("several nodes run here (\(found.joined(separator: ", "))); pick one with --node NAME")
    }

    static func connect(_ path: String) async throws -> HTTPClientConnection {
        try await HTTPClientConnection.connect(unixSocket: path, group: MultiThreadedEventLoopGroup.singleton)
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}

/// Runs a request and turns every failure into one line on stderr and exit 1.
func perform(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("overlayctl: error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

func printJSON(_ bytes: [UInt8]) {
    print(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// A failure overlayctl explains itself, printed as it is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
