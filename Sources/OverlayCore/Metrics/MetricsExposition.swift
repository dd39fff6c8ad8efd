import Prometheus

/// Renders the registry in the Prometheus text format (0.0.4), families in
/// name order, each with the `# HELP` line from its `MetricDefinition`.
public struct MetricsExposition: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let help: [String: String]
    /// Runs before each render: sets the gauges that describe "now" (node counts, roster age).
    let refresh: @Sendable () async -> Void

    public init(definitions: [MetricDefinition], registry: PrometheusCollectorRegistry = MetricsBootstrap.registry,
                refresh: @escaping @Sendable () async -> Void = {}) {
        self.registry = registry
        self.help = Dictionary(definitions.map { ($0.name, $0.help) }, uniquingKeysWith: { a, _ in a })
        self.refresh = refresh
    }

    public func render() async -> String {
        await refresh()
        return Self.withHelp(registry.emitToString(), help: help)
    }

    /// Groups the registry's output by family (it emits them in hash order),
    /// sorts the families by name and puts each one's help line first.
    static func withHelp(_ text: String, help: [String: String]) -> String {
        var families: [(name: String, lines: [Substring])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                families.append((name, []))
                if let text = help[name] { families[families.count - 1].lines.append(Substring("# HELP \(name) \(escape(text))")) }
            } else if line.hasPrefix("# HELP ") || families.isEmpty {
                continue
            }
            families[families.count - 1].lines.append(line)
        }
        return families.sorted { $0.name < $1.name }.flatMap(\.lines).map { $0 + "\n" }.joined()
    }

    private static func escape(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: " ")
    }
}
