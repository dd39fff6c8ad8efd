import Foundation
import NIOCore
import NIOPosix

/// OpenSSL measuring itself with its own command-line tools, same machine,
/// same certificates, same TLS 1.3 parameters as the handler.
struct OpenSSLBaselines: Sendable {
    let identities: BenchIdentities

    static func sServerArguments(_ ids: BenchIdentities, port: Int, quiet: Bool) -> [String] {
        ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", ids.bob.cert, "-key", ids.bob.key,
         "-CAfile", ids.caFile, "-Verify", "1", "-verify_return_error", "-verify_quiet", "-tls1_3",
         "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-groups", "X25519", "-num_tickets", "0"]
            + (quiet ? ["-quiet"] : [])
    }

    var clientCredentials: [String] {
        ["-cert", identities.alice.cert, "-key", identities.alice.key, "-CAfile", identities.caFile,
         "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"]
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }

    /// A sparse file of `bytes` zeros for s_client's standard input.
    func payloadFile(bytes: Int) throws -> String {
        let path = identities.directory + "/payload-\(bytes).bin"
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard truncate(path, off_t(bytes)) == 0 else { throw BenchError("cannot size \(path)") }
            // Read it once so every measured run finds it in the page cache, as the first would not.
            guard let file = FileHandle(forReadingAtPath: path) else { throw BenchError("cannot read \(path)") }
            defer { try? file.close() }
            while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {}
        }
        return path
    }

    /// `openssl s_client < file` → `openssl s_server -quiet > /dev/null`: seconds
    /// from launching s_client until s_server, having read everything, exits.
    func bulk(bytes: Int) async throws -> Double {
        let payload = try payloadFile(bytes: bytes)
        let port = try await Self.freePort()
        let server = try OpenSSLProcess(Self.sServerArguments(identities, port: port, quiet: true) + ["-naccept", "1"],
                                        input: .heldOpen)
        defer { server.stop() }
        try await OpenSSLProcess.waitForListener(port: port)
        let start = ContinuousClock.now
        let client = try OpenSSLProcess(["s_client", "-connect", "127.0.0.1:\(port)", "-quiet", "-no_ign_eof"]
                                            + clientCredentials, input: .file(payload))
        defer { client.stop() }
        let (status, end) = try await server.exit()
        guard status == 0 else { throw BenchError("openssl s_server exited with status \(status)") }
        return (end - start).seconds
    }

    /// `openssl s_time -new` against `openssl s_server`: connections per
    /// second of wall time (s_time dials one connection at a time).
    func handshakeRate(seconds: Int) async throws -> Double {
        let port = try await Self.freePort()
        let server = try OpenSSLProcess(Self.sServerArguments(identities, port: port, quiet: true), input: .heldOpen)
        defer { server.stop() }
        try await OpenSSLProcess.waitForListener(port: port)
        let report = identities.directory + "/s_time-\(port).out"
        let start = ContinuousClock.now
        let timer = try OpenSSLProcess(["s_time", "-connect", "127.0.0.1:\(port)", "-new", "-time", "\(seconds)",
                                        "-verify", "2"] + clientCredentials, output: .file(report))
        let (status, end) = try await timer.exit()
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        guard status == 0, let count = Self.connections(in: text) else {
            throw BenchError("openssl s_time failed (status \(status)): \(text.suffix(300))")
        }
        return Double(count) / (end - start).seconds
    }

    /// "1234 connections in 3.05s; …" → 1234 (the first count s_time prints for -new).
    static func connections(in text: String) -> Int? {
        for line in text.split(separator: "\n") where line.contains("connections in") {
            if let first = line.split(separator: " ").first, let count = Int(first) { return count }
        }
        return nil
    }

    /// AES-256-GCM on one core, 16 KiB blocks (a full TLS record): the cipher's ceiling.
    func cipherCeiling(seconds: Int) async throws -> Double {
        let report = identities.directory + "/speed.out"
        let speed = try OpenSSLProcess(["speed", "-mr", "-seconds", "\(seconds)", "-bytes", "16384", "-evp", "aes-256-gcm"],
                                       output: .file(report))
        _ = try await speed.exit()
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        // "+F:25:AES-256-GCM:4172972032.00" = bytes per second
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("+F:") }),
              let value = line.split(separator: ":").last.flatMap({ Double($0) }) else {
            throw BenchError("cannot read openssl speed output: \(text.suffix(300))")
        }
        return value
    }

    static var version: String {
        let out = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["version"]
        process.standardOutput = out
        guard (try? OpenSSLProcess.launch(process)) != nil else { return "openssl (unknown version)" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
