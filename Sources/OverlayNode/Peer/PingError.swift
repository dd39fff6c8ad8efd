import NIOCore
import NIOPosix
import OverlayProtocol
import OverlayTLS

/// Why a PING got no PONG, in the words the log and `overlayctl peers` show.
public enum PingError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)
    case timeout(Double)
    case connectTimeout(Double)
    case handshakeTimeout(Double)
    case certificateRejected(String)
    case rejectedByPeer(String)
    case refusedByPeer(String)
    case closedBeforePong
    case unreachable(String)
    case invalidEndpoint(String)
    case protocolError(String)

    public var description: String {
        switch self {
        case .refused(let e): return "connection refused by \(e)"
        case .timeout(let s): return "timeout: no PONG within \(Int(s * 1000))ms"
        case .connectTimeout(let s): return "timeout: no TCP connection within \(Int(s * 1000))ms"
        case .handshakeTimeout(let s): return "timeout: TLS handshake not finished within \(Int(s * 1000))ms"
        case .certificateRejected(let r): return "certificate rejected: \(r)"
        case .rejectedByPeer(let r): return "peer rejected us: \(r)"
        case .refusedByPeer(let r): return "peer refused the PING: \(r)"
        case .closedBeforePong: return "connection closed before PONG"
        case .unreachable(let r): return "unreachable: \(r)"
        case .invalidEndpoint(let e): return "invalid endpoint \(e) in the roster"
        case .protocolError(let r): return "protocol error: \(r)"
        }
    }

    /// `budget`: the seconds the failed step had, for the timeout messages.
    static func classify(_ error: any Error, budget: Double) -> PingError {
        if let p = error as? PingError { return p }
        if let tls = error as? TLSError {
            switch tls {
            case .peerCertificateRejected(let r), .peerNotAllowed(let r): return .certificateRejected(r)
            case .peerCertificateMissing: return .certificateRejected("peer sent no certificate")
            case .rejectedByPeer(let r): return .rejectedByPeer(r)
            case .handshakeTimeout: return .handshakeTimeout(budget)
            default: return .protocolError(tls.description)
            }
        }
        if let frame = error as? PeerFrameError { return .protocolError(frame.description) }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return .refused("peer (nothing listening)") }
        if error is NIOConnectionError || error is ChannelError {
            if case ChannelError.connectTimeout = error { return .connectTimeout(budget) }
            let text = "\(error)"
            if text.contains("refused") || text.contains("Connection refused") { return .refused("peer (nothing listening)") }
            return .unreachable(text)
        }
        let text = "\(error)"
        if text.contains("refused") { return .refused("peer (nothing listening)") }
        return .unreachable(text)
    }
}
