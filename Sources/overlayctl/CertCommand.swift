import ArgumentParser
import Foundation
import OverlayCore
import OverlayProtocol

/// The node's own certificate. Renewal runs by itself at two thirds of the
/// lifetime; an operator renews now after a suspected key leak, or to move the
/// node onto a new network CA without waiting.
struct Cert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The node's certificate: renew it now with a new key (node).",
        subcommands: [Renew.self])

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew the node's certificate now, with a new key; the old certificate is refused everywhere once peers see the roster.",
            discussion: "The node keeps its name and overlay IP. On failure it keeps its current certificate and goes on retrying on its own schedule, shown in 'overlayctl status'.")
        @OptionGroup var socket: SocketOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            try await perform {
                let conn = try await SocketOptions.connect(try socket.nodePath())
                let status = try await conn.json(.POST, "/v1/certificate/renew", as: CertificateStatus.self)
                if output.json { printJSON(OverlayJSON.encode(status, pretty: true)); return }
                print("renewed: \(Format.certificate(status))")
            }
        }
    }
}
