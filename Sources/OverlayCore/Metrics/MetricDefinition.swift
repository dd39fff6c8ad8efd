/// What one metric family is: its name, Prometheus type, help text and label
/// names. The daemons list theirs in one place, so the exposition can carry
/// `# HELP` lines (swift-metrics has no notion of help text) and
/// docs/metrics.md has a single source to agree with.
public struct MetricDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public var name: String
    public var kind: Kind
    public var help: String
    public var labels: [String]

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String) {
        self.name = name; self.kind = kind; self.help = help; self.labels = labels
    }
}
