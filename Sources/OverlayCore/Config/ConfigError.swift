/// Configuration mistakes, each saying which value, which file, and what is expected.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDuration(String)
    case invalidAddress(String, expected: String)
    case invalidCIDR(String)
    case invalidName(String, reason: String)
    case unreadableFile(path: String, reason: String)
    case syntax(path: String, line: Int, reason: String)
    case unknownKeys(path: String, keys: [String], known: [String])
    case invalidValue(path: String, key: String, reason: String)
    case missing(option: String, hint: String)
    case passphraseMissing
    case passphraseCredentialMissing(directory: String)
    case passphraseUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidDuration(let t): return "invalid duration '\(t)': write a number and a unit, e.g. 500ms, 10s, 5m, 1h"
        case .invalidAddress(let t, let e): return "invalid address '\(t)': expected \(e)"
        case .invalidCIDR(let t): return "invalid network '\(t)': expected an IPv4 CIDR such as 100.64.0.0/16 (prefix 8–30)"
        case .invalidName(let n, let r): return "invalid node name '\(n)': \(r)"
        case .unreadableFile(let p, let r): return "cannot read \(p): \(r)"
        case .syntax(let p, let l, let r): return "\(p):\(l): \(r)"
        case .unknownKeys(let p, let k, let known): return "\(p): unknown setting(s) \(k.joined(separator: ", ")); known settings: \(known.joined(separator: ", "))"
        case .invalidValue(let p, let k, let r): return "\(p): setting '\(k)': \(r)"
        case .missing(let o, let h): return "\(o) is required: \(h)"
        case .passphraseMissing:
            return "no passphrase for the private keys: under systemd, encrypt it once with "
                + "'systemd-creds encrypt --name=passphrase passphrase.txt /etc/credstore.encrypted/overlayd-controller.passphrase' (for a node: overlayd-node-NAME.passphrase) and point the unit's "
                + "'LoadCredentialEncrypted=passphrase:...' line at it "
                + "(or LoadCredential=passphrase:PATH where there is no TPM or host key); elsewhere give "
                + "--passphrase-file PATH (a file readable only by the service, mode 0600). Never pass it in the environment or on the command line"
        case .passphraseCredentialMissing(let dir):
            return "systemd passed credentials in \(dir) but none named 'passphrase': name it so in the unit, "
                + "e.g. 'LoadCredentialEncrypted=passphrase:/etc/credstore.encrypted/overlayd-controller.passphrase' (made with "
                + "'systemd-creds encrypt --name=passphrase ...'), or give --passphrase-file PATH"
        case .passphraseUnreadable(let p, let r): return "cannot read the passphrase from \(p): \(r)"
        }
    }
}
