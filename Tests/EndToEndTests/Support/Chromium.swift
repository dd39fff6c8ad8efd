import Foundation

/// Headless Chromium (Debian's `chromium`) driving a real page: the DOM after
/// the page's own scripts ran, or a screenshot.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static var isInstalled: Bool { path != nil }

    /// `--virtual-time-budget` lets the page's timers and fetches run that long (in page time) before the dump.
    private static func arguments(_ profile: String) -> [String] {
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--disable-component-update",
         "--user-data-dir=\(profile)", "--virtual-time-budget=4000"]
    }

    /// The serialized DOM of `url` once its scripts have run.
    static func dumpDOM(_ url: String) async throws -> String {
        let result = try await run(["--dump-dom", url])
        guard result.succeeded, result.stdout.contains("</html>") else { throw SetupError("chromium --dump-dom \(url) failed: \(result)") }
        return result.stdout
    }

    /// A PNG of `url` at `width`×`height`.
    static func screenshot(_ url: String, to file: String, width: Int = 1100, height: Int = 1000) async throws {
        let result = try await run(["--hide-scrollbars", "--screenshot=\(file)", "--window-size=\(width),\(height)", url])
        guard result.succeeded, FileManager.default.fileExists(atPath: file) else { throw SetupError("chromium --screenshot failed: \(result)") }
    }

    private static func run(_ extra: [String]) async throws -> CommandResult {
        guard let path else { throw SetupError("chromium is not installed (apt-get install chromium)") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-e2e-chromium-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try await Command.run(path, arguments(profile) + extra, limit: 120)
    }
}

/// What the status page rendered, read from the dumped DOM by its data attributes.
struct RenderedStatusPage: Sendable {
    struct Cell: Sendable, Hashable { var from: String; var to: String; var state: String; var asymmetric: Bool }

    let dom: String

    /// Every heatmap cell for an ordered pair (self cells carry no `data-from`).
    var cells: [Cell] {
        matches(#"<td [^>]*data-from="([^"]*)" data-to="([^"]*)" data-state="([^"]*)" data-asymmetric="([^"]*)""#).map {
            Cell(from: $0[0], to: $0[1], state: $0[2], asymmetric: $0[3] == "true")
        }
    }

    var selfCells: Int { matches(#"<td [^>]*data-self="([^"]*)""#).count }

    /// The text of the summary field `summary-<id>`.
    func summary(_ id: String) -> String? {
        matches(#"<dd id="summary-\#(id)"[^>]*>([^<]*)</dd>"#).first?.first
    }

    var rosterRows: [String] { matches(#"<tr class="[a-z]*" data-node="([^"]*)""#).map { $0[0] } }

    private func matches(_ pattern: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = dom as NSString
        return regex.matches(in: dom, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }
}
