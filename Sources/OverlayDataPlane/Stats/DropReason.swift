/// Why a packet was dropped. Every drop is counted under one of these, never answered
/// (except the ICMP errors a sender on this host gets for its own packets).
public enum DropReason: Int, CaseIterable, Sendable {
    /// A datagram too short, of an unknown type, or with a counter out of range.
    case malformed
    /// A key id no current key of an active peer has (garbage, removed peers, keys past their lifetime).
    case unknownKey
    /// The AEAD tag did not verify.
    case authenticationFailed
    /// A counter already seen, or older than the replay window.
    case replay
    /// An inner packet whose source is not the sending peer's overlay IP.
    case spoofedSource
    /// An inner packet not addressed to this node's overlay IP, or not IPv4.
    case wrongDestination
    /// A packet from the TUN for an overlay IP that no active peer holds (answered with ICMP host unreachable).
    case noPeer
    /// A packet for a peer with no current send key yet (the first handshake has not completed).
    case noKey
    /// A packet from the TUN larger than the overlay MTU with DF set (answered with ICMP fragmentation needed).
    case tooBig
    /// A TUN read that is not a packet we carry (IPv6, malformed virtio header, …).
    case unroutable
    /// The kernel refused a send or a TUN write.
    case sendFailed

    public var label: String {
        switch self {
        case .malformed: "malformed"
        case .unknownKey: "unknown-key"
        case .authenticationFailed: "auth-failed"
        case .replay: "replay"
        case .spoofedSource: "spoofed-source"
        case .wrongDestination: "wrong-destination"
        case .noPeer: "no-peer"
        case .noKey: "no-key"
        case .tooBig: "too-big"
        case .unroutable: "unroutable"
        case .sendFailed: "send-failed"
        }
    }
}
