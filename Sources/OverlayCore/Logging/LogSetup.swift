import Logging

/// Daemons log to stderr, one line per event with dotted metadata; under
/// systemd that is the journal (`journalctl -u overlayd-node@alice`).
public enum LogSetup {
    public static func bootstrap(label: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
