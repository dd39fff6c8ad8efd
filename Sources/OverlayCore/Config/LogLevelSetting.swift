import Logging

/// The `log-level` setting both daemons share.
public enum LogLevelSetting {
    /// `info` when unset; an error naming `source` for anything not a level.
    public static func parse(_ raw: String?, source: String) throws(ConfigError) -> Logger.Level {
        guard let raw else { return .info }
        guard let level = Logger.Level(rawValue: raw) else {
            throw .invalidValue(path: source, key: "log-level",
                                reason: "'\(raw)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}
