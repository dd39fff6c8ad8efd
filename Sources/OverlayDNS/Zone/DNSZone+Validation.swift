import OverlayCore

/// Domain and node-name rules: the network's (`NetworkDomain`), so every name the
/// zone serves can also be typed, put in /etc/hosts and matched by systemd-resolved's
/// routing domains, and a domain the controller accepts is one the zone accepts.
extension DNSZone {
    /// See `NetworkDomain.canonicalize`; it leaves room for the SOA's `hostmaster.DOMAIN` too.
    public static func validateDomain(_ text: String) throws(DNSNameError) {
        _ = try canonicalDomain(text)
    }

    static func canonicalDomain(_ text: String) throws(DNSNameError) -> String {
        do {
            return try NetworkDomain.canonicalize(text)
        } catch {
            throw .invalidDomain(text, reason: error.reason)
        }
    }

    /// A node name must be one LDH label; the domain's length limit keeps `NAME.DOMAIN`
    /// within 253 characters for any such label.
    static func validateNodeName(_ name: String) throws(DNSNameError) {
        let label = Substring(name.lowercased())
        if let problem = NetworkDomain.labelProblem(label) { throw .invalidNodeName(name, reason: problem) }
    }
}
