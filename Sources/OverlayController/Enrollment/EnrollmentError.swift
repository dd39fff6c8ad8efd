import NIOHTTP1

/// Why an enrollment was refused. Each carries the HTTP status, a stable
/// code, and a sentence the node prints on stderr for its operator.
public enum EnrollmentError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownToken(String)
    case badProof
    case nonceInvalid
    case tokenExpired(String)
    case tokenRevoked(String)
    case tokenUsedUp(String)
    case invalidName(String)
    case nameTaken(String)
    case ipTaken(String, by: String)
    case ipOutOfRange(String, network: String)
    case invalidIP(String)
    case networkFull(String)
    case invalidRequest(String)
    case storage(String)
    case notRegistered(String)
    case certificateSuperseded(String)
    case keyNotRotated

    public var code: String {
        switch self {
        case .unknownToken: return "unknown_token"
        case .badProof: return "bad_proof"
        case .nonceInvalid: return "nonce_invalid"
        case .tokenExpired: return "token_expired"
        case .tokenRevoked: return "token_revoked"
        case .tokenUsedUp: return "token_used_up"
        case .invalidName: return "invalid_name"
        case .nameTaken: return "name_taken"
        case .ipTaken: return "ip_taken"
        case .ipOutOfRange: return "ip_out_of_range"
        case .invalidIP: return "invalid_ip"
        case .networkFull: return "network_full"
        case .invalidRequest: return "invalid_request"
        case .storage: return "storage_error"
        case .notRegistered: return "not_registered"
        case .certificateSuperseded: return "certificate_superseded"
        case .keyNotRotated: return "key_not_rotated"
        }
    }

    public var status: HTTPResponseStatus {
        switch self {
        case .unknownToken, .badProof, .nonceInvalid, .tokenExpired, .tokenRevoked, .tokenUsedUp: return .unauthorized
        case .nameTaken, .ipTaken: return .conflict
        case .notRegistered, .certificateSuperseded: return .forbidden
        case .networkFull: return .insufficientStorage
        // Temporary by nature (space returns, the directory is made writable): nodes wait and retry.
        case .storage: return .serviceUnavailable
        default: return .badRequest
        }
    }

    public var description: String {
        switch self {
        case .unknownToken(let id): return "join token \(id) is not known to this controller; create one with 'overlayctl token create'"
        case .badProof: return "the join proof does not match the token (wrong or altered token); copy the token again"
        case .nonceInvalid: return "the enrollment nonce is unknown, already used or expired; retry the enrollment"
        case .tokenExpired(let id): return "join token \(id) has expired; create a new one with 'overlayctl token create'"
        case .tokenRevoked(let id): return "join token \(id) was revoked; create a new one with 'overlayctl token create'"
        case .tokenUsedUp(let id): return "join token \(id) has no uses left; create a new one with 'overlayctl token create'"
        case .invalidName(let r): return r
        case .nameTaken(let n): return "the name \(n) is already registered; choose another --name, or remove the old node with 'overlayctl node remove \(n)'"
        case .ipTaken(let ip, let by): return "overlay IP \(ip) is already registered to \(by); request another or let the controller choose"
        case .ipOutOfRange(let ip, let net): return "overlay IP \(ip) is outside the network \(net) (or is its network/broadcast address)"
        case .invalidIP(let ip): return "'\(ip)' is not an IPv4 address"
        case .networkFull(let net): return "no free overlay IP left in \(net)"
        case .invalidRequest(let r): return "invalid certificate request: \(r)"
        case .storage(let r): return "the controller could not store it: \(r)"
        case .notRegistered(let n):
            return "node \(n) is not registered with this controller (removed?); enroll it again with a new token from 'overlayctl token create'"
        case .certificateSuperseded(let n):
            return "this certificate of node \(n) was replaced by a renewal or a new enrollment and no longer renews; "
                + "if the node still holds its newer key, restart it, otherwise enroll it again with a new token"
        case .keyNotRotated: return "a renewal must carry a new key, not the certificate's own; generate a new key"
        }
    }
}
