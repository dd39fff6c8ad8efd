/// The node-to-node wire format (flow 3), inside mutual TLS:
///
///     version u8 (=1) | type u8 | length u16 (big-endian, ≤ maxPayload) | payload
///
/// Small and fixed so a peer can be checked with a few dozen bytes, and
/// versioned so a later format can be refused with a clear error.
public enum PeerFrame: Sendable, Equatable {
    /// `sentAt` is the sender's monotonic clock in nanoseconds; only the sender reads it back.
    case ping(seq: UInt64, sentAt: UInt64)
    /// Echoes `seq` and `sentAt`; `answeredAt` is the responder's wall clock (ms since 1970), informational.
    case pong(seq: UInt64, sentAt: UInt64, answeredAt: UInt64)
    /// A refusal in words ("alice is not on my active roster").
    case error(String)

    public static let version: UInt8 = 1
    public static let maxPayload = 1024

    public enum Kind: UInt8 { case ping = 1, pong = 2, error = 3 }
}

public enum PeerFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedVersion(UInt8)
    case unknownType(UInt8)
    case oversized(Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let v): return "peer speaks frame version \(v), this node speaks \(PeerFrame.version); upgrade the older side"
        case .unknownType(let t): return "unknown frame type \(t)"
        case .oversized(let n): return "frame payload of \(n) bytes exceeds the \(PeerFrame.maxPayload)-byte limit"
        case .malformed(let r): return "malformed frame: \(r)"
        }
    }
}
