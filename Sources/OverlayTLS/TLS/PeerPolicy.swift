/// The hook for checks beyond "chains to the network CA": the name a dialer
/// expects, the roster membership a listener requires, a revocation list.
/// Runs on the event loop right after the handshake, before any application
/// byte is delivered, so it must be fast and non-blocking.
public struct PeerPolicy: Sendable {
    /// Returns nil to accept, or the reason to refuse.
    public let check: @Sendable (PeerIdentity) -> String?

    public init(_ check: @escaping @Sendable (PeerIdentity) -> String?) { self.check = check }

    public static let anyCertifiedPeer = PeerPolicy { _ in nil }

    /// The certificate's CN and a DNS SAN must be `expected`.
    public static func expectName(_ expected: String) -> PeerPolicy {
        PeerPolicy { peer in
            guard peer.name == expected, peer.dnsNames.contains(expected) else {
                return "peer name \(peer.name.isEmpty ? "(none)" : peer.name) does not match expected \(expected)"
            }
            return nil
        }
    }

    /// Name, overlay IP and (when given) fingerprint must all match, as a roster entry says.
    public static func expectNode(name: String, overlayIP: String, fingerprint: String?) -> PeerPolicy {
        PeerPolicy { peer in
            if let reason = expectName(name).check(peer) { return reason }
            guard peer.certificate.ipAddresses.contains(overlayIP) else {
                return "peer \(peer.name) certificate carries overlay IP \(peer.overlayIP ?? "(none)"), roster says \(overlayIP)"
            }
            if let fingerprint, fingerprint != peer.fingerprint {
                return "peer \(peer.name) certificate fingerprint differs from the roster's (re-enrolled or impostor)"
            }
            return nil
        }
    }

    /// Refuses certificates whose serial is in `revokedSerials()`.
    public static func notRevoked(_ revokedSerials: @escaping @Sendable () -> Set<String>) -> PeerPolicy {
        PeerPolicy { peer in revokedSerials().contains(peer.serial) ? "certificate of \(peer.name) (serial \(peer.serial)) is revoked" : nil }
    }

    /// Both must accept.
    public func and(_ other: PeerPolicy) -> PeerPolicy {
        PeerPolicy { peer in self.check(peer) ?? other.check(peer) }
    }
}
