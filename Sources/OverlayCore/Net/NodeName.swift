/// Node names are DNS labels: they become a certificate's CN and DNS SAN and
/// a systemd instance name, so nothing else is allowed.
public enum NodeName {
    /// Names of the form `overlayd-*` are reserved for the network's own services.
    public static let reservedPrefix = "overlayd-"

    public static func validate(_ name: String) throws(ConfigError) {
        guard (1...63).contains(name.utf8.count) else {
            throw .invalidName(name, reason: "must be 1–63 characters long")
        }
        guard name.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }) else {
            throw .invalidName(name, reason: "only lowercase letters a–z, digits and '-' are allowed")
        }
        guard !name.hasPrefix("-"), !name.hasSuffix("-") else {
            throw .invalidName(name, reason: "must not start or end with '-'")
        }
        guard !name.hasPrefix(reservedPrefix) else {
            throw .invalidName(name, reason: "names starting with '\(reservedPrefix)' are reserved")
        }
    }
}
