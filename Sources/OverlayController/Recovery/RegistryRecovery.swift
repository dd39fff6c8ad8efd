import Foundation
import Logging
import NIOConcurrencyHelpers
import OverlayCore
import OverlayTLS

/// After `controller.db` was lost and the operator started the controller
/// with `--recover-registry`: the registry is rebuilt from the certificates
/// nodes present when they poll or renew (each is signed by this network's
/// CA, so its name and overlay IP were this controller's to give), and no new
/// node enrolls until no certificate from before the loss can still be valid:
/// one certificate lifetime (plus the clock-skew allowance) after the start
/// of the recovery, or at once when the CA that signed them is retired.
/// Until then a name or an overlay IP could still belong to a node that has
/// not come back yet.
final class RegistryRecovery: Sendable {
    static let metaKey = "recovery_until"

    private let until: NIOLockedValueBox<Date?>
    private let store: any ControllerStore
    private let roster: Roster
    private let range: IPv4Network
    private let logger: Logger

    init(until: Date?, store: any ControllerStore, roster: Roster, range: IPv4Network, logger: Logger) {
        self.until = NIOLockedValueBox(until)
        self.store = store; self.roster = roster; self.range = range; self.logger = logger
    }

    /// The end of the recovery, while it lasts.
    var activeUntil: Date? {
        until.withLockedValue { u in
            guard let end = u, end > Date() else { return nil }
            return end
        }
    }

    /// Re-registers the node presenting `peer` from its certificate, when the
    /// recovery lasts and its name and overlay IP are free. True when it did.
    func adopt(_ peer: PeerIdentity) -> Bool {
        guard activeUntil != nil, let ip = peer.overlayIP else { return false }
        let record = NodeRecord(name: peer.name, overlayIP: ip, fingerprint: peer.fingerprint, serial: peer.serial,
                                certificate: peer.certificate.pem, registeredAt: Date(), tokenID: "recovered")
        do {
            let node = try store.importNode(record, network: range)
            roster.registered(node)
            logger.notice("node re-registered from the certificate it presented (registry recovery)", metadata: [
                "event": "node-recovered", "node": "\(node.name)", "ip": "\(node.overlayIP)",
                "cert_sha256": "\(node.fingerprint.prefix(16))", "cert_not_after": "\(peer.certificate.notAfter)",
            ])
            return true
        } catch {
            logger.warning("a node's certificate could not be re-registered (registry recovery)", metadata: [
                "event": "node-recovery-refused", "node": "\(peer.name)", "ip": "\(ip)", "error": "\(error)",
            ])
            return false
        }
    }

    /// Ends the recovery early: every certificate from before the loss is now refused anyway.
    func end(because reason: String) throws {
        guard until.withLockedValue({ $0 }) != nil else { return }
        try store.setMeta(Self.metaKey, "")
        until.withLockedValue { $0 = nil }
        logger.notice("registry recovery over: new nodes may enroll", metadata: ["event": "registry-recovery-ended", "reason": "\(reason)"])
    }

    static func parse(_ stored: String?) -> Date? {
        guard let stored, !stored.isEmpty else { return nil }
        return ISO8601DateFormatter().date(from: stored)
    }
}
