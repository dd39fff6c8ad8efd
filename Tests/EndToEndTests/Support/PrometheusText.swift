import Foundation

/// The samples of a Prometheus text exposition, enough to read counters back.
struct PrometheusText: Sendable {
    struct Sample: Sendable, CustomStringConvertible {
        var name: String
        var labels: [String: String]
        var value: Double
        var description: String { "\(name)\(labels.isEmpty ? "" : "\(labels.sorted { $0.key < $1.key })") \(value)" }
    }

    let text: String
    let samples: [Sample]

    init(_ text: String) {
        self.text = text
        samples = text.split(separator: "\n").compactMap(Self.parse)
    }

    /// `name{k="v",...} value`; label values here never hold `,` `}` or quotes.
    private static func parse(_ line: Substring) -> Sample? {
        guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        var labels: [String: String] = [:]
        for pair in series[series.index(after: brace)...].dropLast().split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }

    /// The value of the one series `name{labels}` (labels must match exactly), nil when absent.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    /// `promtool check metrics` (Prometheus's own linter) on this text: nil when it passes, else what it said.
    func promtoolProblems() async throws -> String? {
        let promtool = try Tools.find("promtool")
        let result = try await Command.run(promtool, ["check", "metrics"], stdin: text)
        return result.succeeded && result.stdout.trimmed.isEmpty && result.stderr.trimmed.isEmpty ? nil : "\(result)"
    }
}
