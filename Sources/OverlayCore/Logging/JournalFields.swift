import Logging

/// How one log entry becomes journal fields: `MESSAGE`, `PRIORITY`,
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`, and each metadata
/// key as `OVERLAY_<KEY>`, so `journalctl OVERLAY_PEER=bob` selects by it.
public enum JournalFields {
    /// Journal field names are at most 64 characters of A-Z, 0-9 and '_'.
    static let maxNameLength = 64

    /// `peer` → `OVERLAY_PEER`, `rtt_usec` → `OVERLAY_RTT_USEC`, `roster.version` → `OVERLAY_ROSTER_VERSION`.
    public static func name(forMetadataKey key: String) -> String {
        let body = String(key.uppercased().unicodeScalars.map { scalar -> Character in
            let v = scalar.value
            return (0x41...0x5A).contains(v) || (0x30...0x39).contains(v) ? Character(scalar) : "_"
        })
        return String(("OVERLAY_" + body).prefix(maxNameLength))
    }

    /// syslog priorities (journalctl -p): trace and debug are both 7 (debug).
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// A value as journald keeps it: any text, newlines included (sendv
    /// frames each field by length), but no NUL bytes, which some readers cut at.
    public static func sanitize(_ value: String) -> String {
        value.contains("\0") ? value.replacingOccurrences(of: "\0", with: "\\0") : value
    }

    /// The `NAME=value` assignments of one entry, in a stable order (metadata sorted by key).
    public static func entry(message: String, level: Logger.Level, identifier: String, metadata: Logger.Metadata,
                             file: String, line: UInt, function: String) -> [String] {
        var fields = [
            "MESSAGE=" + sanitize(message),
            "PRIORITY=\(priority(level))",
            "SYSLOG_IDENTIFIER=" + sanitize(identifier),
            "CODE_FILE=" + sanitize(file),
            "CODE_LINE=\(line)",
            "CODE_FUNC=" + sanitize(function),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append(name(forMetadataKey: key) + "=" + sanitize(value.description))
        }
        return fields
    }
}
