/// A domain, node name or query name that cannot become a DNS name. Thrown where an
/// operator or a roster hands one in, so the mistake is named before anything is served.
public enum DNSNameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The network's domain (the `domain` setting).
    case invalidDomain(String, reason: String)
    /// A node's name in the roster, which becomes the first label of `NAME.DOMAIN`.
    case invalidNodeName(String, reason: String)
    /// A name to look up (`overlayctl resolve`).
    case invalidQueryName(String, reason: String)

    public var description: String {
        switch self {
        case .invalidDomain(let name, let reason):
            return "invalid DNS domain '\(name)': \(reason); use letters, digits and '-' in dot-separated labels, e.g. overlay.internal"
        case .invalidNodeName(let name, let reason):
            return "node name '\(name)' cannot be a DNS name: \(reason); node names are single labels of a–z, 0–9 and '-'"
        case .invalidQueryName(let name, let reason):
            return "cannot look up '\(name)': \(reason)"
        }
    }
}
