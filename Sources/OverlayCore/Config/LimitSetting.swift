/// The per-source limit settings of both daemons, parsed so that every
/// mistake names the setting, where it came from and what it accepts.
public enum LimitSetting {
    /// A rate such as `30/min`; `text` nil gives `defaultValue`.
    public static func rate(_ text: String?, default defaultValue: RateLimit, key: String, source: String) throws(ConfigError) -> RateLimit {
        guard let text else { return defaultValue }
        guard let rate = RateLimit(parsing: text) else {
            throw .invalidValue(path: source, key: key,
                                reason: "'\(text)' is not a rate: write a positive count, '/' and a period, e.g. 30/min, 20/s, 100/10m")
        }
        return rate
    }

    /// A whole number within `range`; `value` nil gives `defaultValue`.
    public static func count(_ value: Int?, default defaultValue: Int, range: ClosedRange<Int>, key: String,
                             source: String) throws(ConfigError) -> Int {
        guard let value else { return defaultValue }
        guard range.contains(value) else {
            throw .invalidValue(path: source, key: key, reason: "\(value) is outside \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    /// A duration within `range` (seconds); `text` nil gives `defaultValue`.
    public static func duration(_ text: String?, default defaultValue: Double, range: ClosedRange<Double>, key: String,
                                source: String) throws(ConfigError) -> Double {
        guard let text else { return defaultValue }
        let seconds = try DurationParser.parse(text)
        guard range.contains(seconds) else {
            throw .invalidValue(path: source, key: key, reason: """
                '\(text)' is outside \(DurationParser.format(range.lowerBound))-\(DurationParser.format(range.upperBound))
                """)
        }
        return seconds
    }
}
