import Foundation
import OverlayCore

/// The controller's persistent state behind the narrowest interface the
/// flows need. SQLite implements it today; a PostgreSQL implementation for
/// several controllers only has to keep `enroll` one serialisable transaction.
public protocol ControllerStore: Sendable {
    func meta(_ key: String) throws -> String?
    func setMeta(_ key: String, _ value: String) throws

    func insertToken(_ token: TokenRecord) throws
    func tokens() throws -> [TokenRecord]
    /// Returns false when there is no such token.
    func revokeToken(id: String) throws -> Bool

    /// Flow 1 in one transaction: check the token (via `checkToken`), refuse a
    /// taken name or IP, pick an IP, sign via `issue`, store the node, consume one use.
    /// Nothing is stored when any step throws.
    /// `isRetry` recognises a repeat of an enrollment that already succeeded
    /// (same name, same key, valid proof): the stored node is returned and
    /// nothing else happens, so a node whose answer was lost can ask again.
    func enroll(_ attempt: EnrollmentAttempt,
                checkToken: (TokenRecord) throws(EnrollmentError) -> Void,
                isRetry: (NodeRecord) -> Bool,
                issue: (String) throws(EnrollmentError) -> IssuedCertificate) throws -> NodeRecord

    /// Registers a node whose certificate was made outside the controller
    /// (`overlayctl node add --cert`), in one transaction: refuses a taken
    /// name, an overlay IP outside `network` or already taken
    /// (`EnrollmentError`). Nothing is stored when it throws.
    func importNode(_ node: NodeRecord, network: IPv4Network) throws -> NodeRecord

    /// Certificate renewal in one transaction: `presented` must be the node's current
    /// fingerprint; the node keeps its name and overlay IP, `issue` signs the new key,
    /// and the old fingerprint is kept as `previousFingerprint`. A repeat of a renewal
    /// whose answer was lost (the previous certificate presented, `isRetry` true for
    /// the stored node) returns the stored node unchanged, so the node can ask again.
    func renew(name: String, presented: String, now: Date,
               isRetry: (NodeRecord) -> Bool,
               issue: (NodeRecord) throws(EnrollmentError) -> IssuedCertificate) throws -> RenewalResult

    func nodes() throws -> [NodeRecord]

    /// A failed transaction's error in words that say what to fix (a full disk, a
    /// read-only directory, a damaged file), for the refused node and the journal.
    func describe(_ error: any Error) -> String
    /// Returns false when there is no such node.
    func removeNode(named name: String) throws -> Bool
}

extension ControllerStore {
    public func describe(_ error: any Error) -> String { "\(error)" }

    /// Enrollment without retry recognition.
    public func enroll(_ attempt: EnrollmentAttempt,
                       checkToken: (TokenRecord) throws(EnrollmentError) -> Void,
                       issue: (String) throws(EnrollmentError) -> IssuedCertificate) throws -> NodeRecord {
        try enroll(attempt, checkToken: checkToken, isRetry: { _ in false }, issue: issue)
    }
}

public struct TokenRecord: Sendable, Equatable {
    public var id: String
    public var name: String?
    /// HKDF-SHA256 of the token secret: what the join proof is keyed with.
    /// The secret itself is never stored.
    public var verifier: [UInt8]
    public var createdAt: Date
    public var expiresAt: Date
    public var usesLeft: Int
    public var revoked: Bool
}

public struct NodeRecord: Sendable, Equatable {
    public var name: String
    public var overlayIP: String
    public var fingerprint: String
    public var serial: String
    public var certificate: String
    public var registeredAt: Date
    public var tokenID: String
    /// The certificate this one replaced at its last renewal: refused everywhere, kept so
    /// that a renewal whose answer was lost can be asked for again with it.
    public var previousFingerprint: String? = nil
    public var renewedAt: Date? = nil
}

public struct RenewalResult: Sendable {
    public var node: NodeRecord
    /// True when this was a repeat of a renewal that had already succeeded.
    public var repeated: Bool
}

public struct EnrollmentAttempt: Sendable {
    public var tokenID: String
    public var name: String
    public var requestedIP: String?
    public var network: IPv4Network
    public var now: Date
}

public struct IssuedCertificate: Sendable {
    public var pem: String
    public var fingerprint: String
    public var serial: String
}
