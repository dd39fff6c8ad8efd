import Foundation

/// One HTTP answer as curl saw it.
struct Fetched: Sendable, CustomStringConvertible {
    var status: Int
    var headers: [String: String]
    var body: String

    var contentType: String { headers["content-type"] ?? "" }
    var description: String { "HTTP \(status) \(headers) \(body.prefix(300))" }
}

/// Plain `curl` against the daemons: over a control socket (`--unix-socket`)
/// or plain TCP, the way an operator or a Prometheus server would.
enum HTTPFetch {
    static func get(_ url: String, unixSocket: String? = nil) async throws -> Fetched {
        let curl = try Tools.find("curl")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-e2e-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let headerFile = dir.appendingPathComponent("headers").path
        var arguments = ["-sS", "--max-time", "20", "-D", headerFile]
        if let unixSocket { arguments += ["--unix-socket", unixSocket] }
        let result = try await Command.run(curl, arguments + [url])
        guard result.succeeded else { throw SetupError("curl \(url) failed: \(result)") }
        let head = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        var status = 0
        var headers: [String: String] = [:]
        for line in head.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Fetched(status: status, headers: headers, body: result.stdout)
    }
}
