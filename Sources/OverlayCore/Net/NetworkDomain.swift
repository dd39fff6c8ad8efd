/// The DNS domain a network's names live under (`bob.overlay.internal`). Checked
/// where an operator gives it, so that a typo stops the controller at start
/// instead of every node's resolver answering for a name nobody can type. The
/// controller and every node's resolver check it with these same rules, so a
/// domain one accepts is never one the other refuses.
public enum NetworkDomain {
    /// `.internal` is the name space reserved for private use (ICANN, 2024): it never collides with a public name.
    public static let defaultDomain = "overlay.internal"

    /// The longest domain under which every node name (up to 63 characters) still
    /// makes a name of at most 253: 253 − 63 − 1.
    public static let maxLength = 253 - 63 - 1

    /// Why a text is not a domain, in words that finish "'TEXT' is not a domain: ...".
    public struct Problem: Error, Sendable, Equatable {
        public let reason: String
    }

    /// The domain in canonical form (lowercase, no trailing dot), or why it cannot be one.
    public static func canonical(_ text: String, source: String = "command line") throws(ConfigError) -> String {
        do {
            return try canonicalize(text)
        } catch {
            throw .invalidValue(path: source, key: "domain", reason: "'\(text)' is not a domain: \(error.reason) (e.g. overlay.internal)")
        }
    }

    /// LDH labels of 1–63 characters, at most `maxLength` characters in all, a last
    /// label that is not all digits, and not under .arpa (the reverse zones live there).
    /// Any case and one trailing dot are accepted; the result is lowercase without the dot.
    public static func canonicalize(_ text: String) throws(Problem) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw Problem(reason: "it is empty") }
        guard name.utf8.count <= maxLength else {
            throw Problem(reason: "it is \(name.utf8.count) characters long; at most \(maxLength) leave room for a 63-character node name under it")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if let problem = labelProblem(label) { throw Problem(reason: problem) }
        }
        if let last = labels.last, last.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            throw Problem(reason: "its last label '\(last)' is all digits, which reads as an IP address")
        }
        if labels.last == "arpa" {
            throw Problem(reason: "it is under .arpa, which is reserved for reverse lookups")
        }
        return name
    }

    /// Why `label` is not a lowercase LDH label (RFC 1123 host-name rules), or nil when it is one.
    public static func labelProblem(_ label: Substring) -> String? {
        let bytes = label.utf8
        if bytes.isEmpty { return "it has an empty label" }
        if bytes.count > 63 {
            return "the label '\(label)' is \(bytes.count) characters long, more than 63"
        }
        let allowed = bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        if !allowed { return "the label '\(label)' has characters other than letters, digits and '-'" }
        if bytes.first == 0x2D || bytes.last == 0x2D { return "the label '\(label)' starts or ends with '-'" }
        return nil
    }
}
