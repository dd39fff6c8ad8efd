import Foundation
import OverlayTLS

/// How a renewed certificate reaches the state directory without a moment in
/// which a crash leaves a key and a certificate that do not belong together:
/// the new key is saved as `node.key.next` before the request (so a lost answer
/// is asked for again with the same key), the answer as `node.crt.next`, then
/// both are renamed over the old pair. A start finishes what a crash interrupted.
extension NodeIdentity {
    static func pendingPaths(_ dir: String) -> (key: String, cert: String) {
        (dir + "/node.key.next", dir + "/node.crt.next")
    }

    /// Whether a renewal was asked for and its answer not installed: retry it at once.
    static func hasPendingRenewal(in dir: String) -> Bool {
        FileManager.default.fileExists(atPath: pendingPaths(dir).key)
    }

    /// The key for the renewal in flight: the one an earlier attempt saved, or a new one saved now.
    static func pendingKey(in dir: String, passphrase: [UInt8]) throws -> PrivateKey {
        let path = pendingPaths(dir).key
        if FileManager.default.fileExists(atPath: path) {
            do { return try PrivateKey.load(file: path, passphrase: passphrase) } catch {
                // Unreadable (a crash while writing it): nothing was sent with it that could not be sent with another.
                unlink(path)
            }
        }
        let key = try PrivateKey.generate()
        try key.write(file: path, passphrase: passphrase)
        return key
    }

    /// This identity with `certificate` and its `key`, written to `dir` in the order above. A
    /// renewal also brings the network's CAs (`trust`), written first: the set a renewal
    /// brings always holds the CA of both the old certificate and the new.
    func installingRenewal(certificate: Certificate, intermediates: [Certificate], trust: [Certificate]?, key: PrivateKey,
                           in dir: String) throws -> NodeIdentity {
        let pending = Self.pendingPaths(dir)
        let paths = Self.paths(dir)
        var renewed = self
        renewed.certificate = certificate
        renewed.intermediates = intermediates
        renewed.key = key
        if let trust { renewed.trust = trust }
        if renewed.trust != self.trust { try SecureFile.write(renewed.trustFile, to: paths.ca, mode: 0o644) }
        try SecureFile.write(renewed.certificateFile, to: pending.cert, mode: 0o644)
        try Self.rename(pending.key, to: paths.key)
        try Self.rename(pending.cert, to: paths.cert)
        Self.syncDirectory(dir)
        return renewed
    }

    /// This identity trusting `trust` (the network's CAs as the roster now gives them), written to `dir`.
    func adoptingTrust(_ trust: [Certificate], in dir: String) throws -> NodeIdentity {
        var changed = self
        changed.trust = trust
        try SecureFile.write(changed.trustFile, to: Self.paths(dir).ca, mode: 0o644)
        Self.syncDirectory(dir)
        return changed
    }

    /// Finishes a renewal a crash interrupted between saving its answer and renaming the pair.
    static func finishInterruptedRenewal(in dir: String, passphrase: [UInt8]) throws {
        let pending = pendingPaths(dir)
        let paths = paths(dir)
        guard FileManager.default.fileExists(atPath: pending.cert) else { return }
        let hasKey = FileManager.default.fileExists(atPath: pending.key)
        guard let cert = try? Certificate(file: pending.cert),
              let key = try? PrivateKey.load(file: hasKey ? pending.key : paths.key, passphrase: passphrase),
              key.matches(cert) else {
            unlink(pending.cert)
            return
        }
        if hasKey { try rename(pending.key, to: paths.key) }
        try rename(pending.cert, to: paths.cert)
        syncDirectory(dir)
    }

    private static func rename(_ from: String, to: String) throws {
        do { try SecureFile.move(from, over: to) } catch { throw NodeError.damagedState("\(error)") }
    }

    /// Best effort: the renames are done; a failed sync only weakens their durability.
    private static func syncDirectory(_ dir: String) {
        try? SecureFile.syncDirectory(dir)
    }
}
