/// Domain and node-name rules: host names as RFC 1123 has them (letters, digits, inner
/// hyphens), so every name the zone serves can also be typed, put in /etc/hosts and
/// matched by systemd-resolved's routing domains.
extension DNSZone {
    /// The longest domain that still leaves room for the SOA's `hostmaster.DOMAIN` (253).
    public static let maxDomainLength = 253 - "hostmaster.".utf8.count

    /// LDH labels of 1–63 characters, at most `maxDomainLength` characters in all, a last
    /// label that is not all digits, and not under .arpa (the reverse zones live there).
    /// Any case and one trailing dot are accepted; the zone keeps the lowercase form.
    public static func validateDomain(_ text: String) throws(DNSNameError) {
        _ = try canonicalDomain(text)
    }

    static func canonicalDomain(_ text: String) throws(DNSNameError) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw .invalidDomain(text, reason: "it is empty") }
        guard name.utf8.count <= maxDomainLength else {
            throw .invalidDomain(text, reason: "it is \(name.utf8.count) characters long; at most \(maxDomainLength) leave room for the zone's hostmaster.DOMAIN")
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            if let problem = labelProblem(label) { throw .invalidDomain(text, reason: problem) }
        }
        if let last = labels.last, last.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            throw .invalidDomain(text, reason: "its last label '\(last)' is all digits, which reads as an IP address")
        }
        if labels.last == "arpa" {
            throw .invalidDomain(text, reason: "it is under .arpa, which is reserved for reverse lookups")
        }
        return name
    }

    /// A node name must be one LDH label, and `NAME.DOMAIN` at most 253 characters.
    static func validateNodeName(_ name: String, domain: String) throws(DNSNameError) {
        let label = Substring(name.lowercased())
        if let problem = labelProblem(label) { throw .invalidNodeName(name, reason: problem) }
        let full = label.utf8.count + 1 + domain.utf8.count
        guard full <= 253 else {
            throw .invalidNodeName(name, reason: "'\(label).\(domain)' is \(full) characters long, more than 253")
        }
    }

    /// Why `label` is not a lowercase LDH label, or nil when it is one.
    private static func labelProblem(_ label: Substring) -> String? {
        let bytes = label.utf8
        if bytes.isEmpty { return "it has an empty label" }
        if bytes.count > DNSName.maxLabelLength {
            return "the label '\(label)' is \(bytes.count) characters long, more than \(DNSName.maxLabelLength)"
        }
        let allowed = bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        if !allowed { return "the label '\(label)' has characters other than letters, digits and '-'" }
        if bytes.first == 0x2D || bytes.last == 0x2D { return "the label '\(label)' starts or ends with '-'" }
        return nil
    }
}
