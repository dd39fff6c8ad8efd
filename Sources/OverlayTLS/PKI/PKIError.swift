/// Everything that can go wrong while making, loading or checking keys and
/// certificates; each case names the file or subject so an operator knows
/// what to fix.
public enum PKIError: Error, Sendable, Equatable, CustomStringConvertible {
    case keyGenerationFailed(String)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case invalidPEM(what: String, reason: String)
    case wrongPassphrase(path: String)
    case signingFailed(String)
    case invalidRequest(String)
    case verificationFailed(String)

    public var description: String {
        switch self {
        case .keyGenerationFailed(let r): return "key generation failed: \(r)"
        case .cannotRead(let p, let r): return "cannot read \(p): \(r)"
        case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
        case .invalidPEM(let w, let r): return "\(w) is not valid PEM: \(r)"
        case .wrongPassphrase(let p): return "cannot decrypt the private key in \(p): wrong passphrase or damaged file (check the passphrase file or the systemd credential 'passphrase')"
        case .signingFailed(let r): return "signing failed: \(r)"
        case .invalidRequest(let r): return "invalid certificate request: \(r)"
        case .verificationFailed(let r): return "certificate verification failed: \(r)"
        }
    }
}
