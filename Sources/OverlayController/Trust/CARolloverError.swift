import Foundation

/// Why `overlayctl ca rotate` or `ca retire` did not happen, in words an
/// operator can act on.
public enum CARolloverError: Error, Sendable, CustomStringConvertible {
    /// A second rotate before the first is retired would leave three CAs and nodes on all of them.
    case rotationUnderway(previous: String)
    case nothingToRetire
    /// Active nodes still present certificates of the previous CA.
    case inUse(active: [String])
    case files(String)

    public var description: String {
        switch self {
        case .rotationUnderway(let previous):
            return "a CA rotation is already under way (the previous CA \(previous.prefix(16))… is still trusted): run 'overlayctl ca retire' once every node has moved, then rotate again"
        case .nothingToRetire:
            return "there is no previous CA to retire: the network trusts only its signing CA"
        case .inUse(let active):
            return "active nodes still use the previous CA: \(active.joined(separator: ", ")); they renew onto the new CA on their next roster poll (or run 'overlayctl cert renew' on each), then retire again; 'overlayctl ca status' lists who is where"
        case .files(let reason):
            return "cannot change the CA files: \(reason)"
        }
    }
}
