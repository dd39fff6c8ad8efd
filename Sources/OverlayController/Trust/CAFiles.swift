import Foundation
import Logging
import OverlayTLS

/// The network CAs in the controller's state directory, and the order in
/// which a rollover changes them so that a crash at any point leaves either
/// the old set or the new one, never a mix:
///
/// - `ca.crt`, `ca.key`: the CA that signs (after a rotate, the new one);
/// - `ca-previous.crt`: the CA a rotate replaced, trusted until `ca retire`
///   (its key is gone: nothing is signed with it any more);
/// - `ca-cross.crt`: the new CA's key signed by the previous CA, so peers
///   that still trust only the previous CA verify the new one's leaves.
///
/// A rotate writes `ca-next.key`, `ca-next.crt`, `ca-cross.crt`, then
/// `ca-previous.crt`, then renames the two `ca-next` files into place; a start
/// that finds `ca-next.crt` finishes the renames when `ca-previous.crt` and
/// `ca-cross.crt` are there, and otherwise drops the half-made rotation.
/// A retire removes `ca-cross.crt` then `ca-previous.crt`; a start that finds
/// the second without the first finishes it.
struct CAFiles {
    let directory: String
    var cert: String { directory + "/ca.crt" }
    var key: String { directory + "/ca.key" }
    var previous: String { directory + "/ca-previous.crt" }
    var cross: String { directory + "/ca-cross.crt" }
    var nextCert: String { directory + "/ca-next.crt" }
    var nextKey: String { directory + "/ca-next.key" }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Finishes or drops a rotate or retire that a crash interrupted. Returns what it did, for the journal.
    func recover() throws -> String? {
        let files = FileManager.default
        if exists(nextCert) {
            if exists(previous), exists(cross) {
                if exists(nextKey) { try rename(nextKey, key) }
                try rename(nextCert, cert)
                return "finished a CA rotation that was interrupted"
            }
            for f in [nextKey, nextCert, cross] where exists(f) { try files.removeItem(atPath: f) }
            return "dropped a CA rotation that was interrupted before it took effect"
        }
        if exists(previous), !exists(cross) {
            try files.removeItem(atPath: previous)
            return "finished retiring the previous CA, which was interrupted"
        }
        return nil
    }

    /// The previous CA and its cross-certificate, when a rollover is under way.
    func loadPrevious() throws -> (previous: Certificate, cross: Certificate)? {
        guard exists(previous) else { return nil }
        return (try Certificate(file: previous), try Certificate(file: cross))
    }

    /// Makes `successor` the signing CA beside `current`, in the crash-safe order above.
    func rotate(from current: CertificateAuthority, to successor: CertificateAuthority, cross crossCert: Certificate,
                passphrase: [UInt8]) throws {
        try successor.writeKey(file: nextKey, passphrase: passphrase)
        try SecureFile.write(successor.certificate.pem, to: nextCert, mode: 0o644)
        try SecureFile.write(crossCert.pem, to: cross, mode: 0o644)
        try SecureFile.write(current.certificate.pem, to: previous, mode: 0o644)
        try syncDirectory()
        try rename(nextKey, key)
        try rename(nextCert, cert)
        try syncDirectory()
    }

    /// Stops trusting the previous CA.
    func retire() throws {
        try FileManager.default.removeItem(atPath: cross)
        try FileManager.default.removeItem(atPath: previous)
        try syncDirectory()
    }

    private func rename(_ from: String, _ to: String) throws {
        do { try SecureFile.move(from, over: to) } catch { throw CARolloverError.files("\(error)") }
    }

    private func syncDirectory() throws {
        do { try SecureFile.syncDirectory(directory) } catch { throw CARolloverError.files("\(error)") }
    }
}
