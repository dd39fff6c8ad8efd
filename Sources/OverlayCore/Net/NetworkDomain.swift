/// The DNS domain a network's names live under (`bob.overlay.internal`). Checked
/// where an operator gives it, so that a typo stops the controller at start
/// instead of every node's resolver answering for a name nobody can type.
public enum NetworkDomain {
    /// `.internal` is the name space reserved for private use (ICANN, 2024): it never collides with a public name.
    public static let defaultDomain = "overlay.internal"

    /// The domain in canonical form (lowercase, no trailing dot), or why it cannot be one.
    public static func canonical(_ text: String, source: String = "command line") throws(ConfigError) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 200 else {
            throw .invalidValue(path: source, key: "domain",
                                reason: "'\(text)' must be 1–200 characters long, so that node names still fit under it")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count),
                  label.utf8.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }),
                  !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw .invalidValue(path: source, key: "domain",
                                    reason: "'\(text)': each label must be 1–63 letters, digits or '-', not starting or ending with '-' (e.g. overlay.internal)")
            }
        }
        if let last = labels.last, last.utf8.allSatisfy({ (48...57).contains($0) }) {
            throw .invalidValue(path: source, key: "domain", reason: "'\(text)': the last label must not be all digits")
        }
        if name == "in-addr.arpa" || name.hasSuffix(".in-addr.arpa") || name == "arpa" || name.hasSuffix(".arpa") {
            throw .invalidValue(path: source, key: "domain", reason: "'\(text)' is under .arpa, which is reserved for reverse lookups")
        }
        return name
    }
}
