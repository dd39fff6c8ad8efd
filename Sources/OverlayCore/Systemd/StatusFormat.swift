import Foundation

/// Roster versions are `<epoch>-<counter>`; a STATUS= line shows the counter
/// (`roster v42`), which is what changes as nodes come and go.
public enum RosterVersionLabel {
    public static func short(_ version: String) -> String {
        guard let dash = version.lastIndex(of: "-"), UInt64(version[version.index(after: dash)...]) != nil else { return version }
        return String(version[version.index(after: dash)...])
    }
}

/// A wall-clock time as `HH:MM:SS` in the local time zone, as `systemctl status` shows its own times.
public enum ClockTime {
    public static func format(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
