import Foundation
import GRDB
import OverlayCore
import OverlayTLS

/// `ControllerStore` on SQLite through GRDB: one file in the state
/// directory, WAL mode, migrations from the first schema on.
public final class SQLiteControllerStore: ControllerStore {
    private let db: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try db.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            try Self.migrator.migrate(db)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.classify(error, path: path) ?? StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        chmod(path, 0o600)
    }

    /// At start, before anything is served from it: SQLite's own structural check,
    /// then every node's certificate against the fingerprint stored beside it (a
    /// flipped byte in a record passes the first and not the second).
    public func checkIntegrity() throws(StoreError) {
        do {
            try Self.checkIntegrity(db, path: path)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.classify(error, path: path) ?? .damaged(path: path, detail: "\(error)")
        }
    }

    private static func checkIntegrity(_ db: DatabaseQueue, path: String) throws {
        try db.read { db in
            let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard problems == ["ok"] else {
                throw StoreError.damaged(path: path, detail: "quick_check: " + problems.prefix(3).joined(separator: "; "))
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, fingerprint, certificate FROM nodes") {
                let name: String = row["name"], stored: String = row["fingerprint"], pem: String = row["certificate"]
                guard let actual = Self.fingerprint(ofPEM: pem) else {
                    throw StoreError.damagedRecord(path: path, node: name, detail: "holds a certificate that does not parse")
                }
                guard actual == stored else {
                    throw StoreError.damagedRecord(path: path, node: name,
                                                   detail: "holds a certificate whose fingerprint is not the one stored with it")
                }
            }
        }
    }

    private static func fingerprint(ofPEM pem: String) -> String? {
        (try? Certificate(pem: pem))?.fingerprint
    }

    /// What a stored write failed with, in the operator's terms when SQLite's code says enough.
    public func describe(_ error: any Error) -> String {
        (StoreError.classify(error, path: path) ?? (error as? StoreError)).map(\.description) ?? "\(error)"
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT,
                    verifier BLOB NOT NULL,
                    created_at DOUBLE NOT NULL,
                    expires_at DOUBLE NOT NULL,
                    uses_left INTEGER NOT NULL CHECK (uses_left >= 0),
                    revoked INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE nodes (
                    name TEXT PRIMARY KEY NOT NULL,
                    overlay_ip TEXT NOT NULL UNIQUE,
                    overlay_ip_num INTEGER NOT NULL UNIQUE,
                    fingerprint TEXT NOT NULL UNIQUE,
                    serial TEXT NOT NULL,
                    certificate TEXT NOT NULL,
                    registered_at DOUBLE NOT NULL,
                    token_id TEXT NOT NULL
                );
                """)
        }
        // Certificate renewal: the replaced fingerprint (refused, but recognised for a
        // repeated renewal) and when it happened.
        migrator.registerMigration("v2-renewal") { db in
            try db.execute(sql: """
                ALTER TABLE nodes ADD COLUMN previous_fingerprint TEXT;
                ALTER TABLE nodes ADD COLUMN renewed_at DOUBLE;
                """)
        }
        return migrator
    }

    public func meta(_ key: String) throws -> String? {
        try db.read { try String.fetchOne($0, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try db.write { try $0.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value]) }
    }

    public func insertToken(_ t: TokenRecord) throws {
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO tokens (id, name, verifier, created_at, expires_at, uses_left, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [t.id, t.name, Data(t.verifier), t.createdAt.timeIntervalSince1970,
                                 t.expiresAt.timeIntervalSince1970, t.usesLeft, t.revoked])
        }
    }

    public func tokens() throws -> [TokenRecord] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at").map(Self.token) }
    }

    public func revokeToken(id: String) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked = 1 WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    public func enroll(_ attempt: EnrollmentAttempt,
                       checkToken: (TokenRecord) throws(EnrollmentError) -> Void,
                       isRetry: (NodeRecord) -> Bool,
                       issue: (String) throws(EnrollmentError) -> IssuedCertificate) throws -> NodeRecord {
        try db.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE id = ?", arguments: [attempt.tokenID]) else {
                throw EnrollmentError.unknownToken(attempt.tokenID)
            }
            let token = Self.token(row)
            try checkToken(token)
            let existing = try Row.fetchOne(db, sql: "SELECT * FROM nodes WHERE name = ?", arguments: [attempt.name]).map(Self.node)
            if let existing, isRetry(existing) { return existing }
            if token.revoked { throw EnrollmentError.tokenRevoked(token.id) }
            if token.expiresAt <= attempt.now { throw EnrollmentError.tokenExpired(token.id) }
            if token.usesLeft <= 0 { throw EnrollmentError.tokenUsedUp(token.id) }
            if existing != nil { throw EnrollmentError.nameTaken(attempt.name) }
            let ip = try Self.chooseIP(db, requested: attempt.requestedIP, network: attempt.network)
            let issued = try issue(ip.description)
            let node = NodeRecord(name: attempt.name, overlayIP: ip.description, fingerprint: issued.fingerprint,
                                  serial: issued.serial, certificate: issued.pem, registeredAt: attempt.now, tokenID: token.id)
            try Self.insert(db, node, ip: ip)
            try db.execute(sql: "UPDATE tokens SET uses_left = uses_left - 1 WHERE id = ?", arguments: [token.id])
            return node
        }
    }

    public func importNode(_ node: NodeRecord, network: IPv4Network) throws -> NodeRecord {
        try db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM nodes WHERE name = ?", arguments: [node.name]) == true {
                throw EnrollmentError.nameTaken(node.name)
            }
            // The same checks as a requested IP at enrollment: in range, not the
            // network or broadcast address, not registered to another node.
            let ip = try Self.chooseIP(db, requested: node.overlayIP, network: network)
            var stored = node
            stored.overlayIP = ip.description
            try Self.insert(db, stored, ip: ip)
            return stored
        }
    }

    /// One row in `nodes`; `ip` is `node.overlayIP` already parsed (its number orders and finds free addresses).
    private static func insert(_ db: Database, _ node: NodeRecord, ip: IPv4Address) throws {
        try db.execute(sql: """
            INSERT INTO nodes (name, overlay_ip, overlay_ip_num, fingerprint, serial, certificate, registered_at, token_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [node.name, node.overlayIP, Int64(ip.value), node.fingerprint, node.serial,
                             node.certificate, node.registeredAt.timeIntervalSince1970, node.tokenID])
    }

    private static func chooseIP(_ db: Database, requested: String?, network: IPv4Network) throws -> IPv4Address {
        if let requested {
            guard let ip = IPv4Address(requested) else { throw EnrollmentError.invalidIP(requested) }
            guard network.containsHost(ip) else { throw EnrollmentError.ipOutOfRange(requested, network: network.description) }
            if let owner = try String.fetchOne(db, sql: "SELECT name FROM nodes WHERE overlay_ip_num = ?", arguments: [Int64(ip.value)]) {
                throw EnrollmentError.ipTaken(requested, by: owner)
            }
            return ip
        }
        // Lowest free address: the first gap in the sorted list of used ones.
        let used = try Int64.fetchAll(db, sql: "SELECT overlay_ip_num FROM nodes WHERE overlay_ip_num BETWEEN ? AND ? ORDER BY overlay_ip_num",
                                      arguments: [Int64(network.firstHost.value), Int64(network.lastHost.value)])
        var candidate = Int64(network.firstHost.value)
        for u in used {
            if u > candidate { break }
            if u == candidate { candidate += 1 }
        }
        guard candidate <= Int64(network.lastHost.value) else { throw EnrollmentError.networkFull(network.description) }
        return IPv4Address(UInt32(candidate))
    }

    public func renew(name: String, presented: String, now: Date,
                      isRetry: (NodeRecord) -> Bool,
                      issue: (NodeRecord) throws(EnrollmentError) -> IssuedCertificate) throws -> RenewalResult {
        try db.write { db in
            guard let node = try Row.fetchOne(db, sql: "SELECT * FROM nodes WHERE name = ?", arguments: [name]).map(Self.node) else {
                throw EnrollmentError.notRegistered(name)
            }
            if node.fingerprint != presented {
                if node.previousFingerprint == presented, isRetry(node) { return RenewalResult(node: node, repeated: true) }
                throw EnrollmentError.certificateSuperseded(name)
            }
            let issued = try issue(node)
            var renewed = node
            renewed.fingerprint = issued.fingerprint
            renewed.serial = issued.serial
            renewed.certificate = issued.pem
            renewed.previousFingerprint = node.fingerprint
            renewed.renewedAt = now
            try db.execute(sql: """
                UPDATE nodes SET fingerprint = ?, serial = ?, certificate = ?, previous_fingerprint = ?, renewed_at = ?
                WHERE name = ? AND fingerprint = ?
                """, arguments: [renewed.fingerprint, renewed.serial, renewed.certificate, renewed.previousFingerprint,
                                 now.timeIntervalSince1970, name, presented])
            return RenewalResult(node: renewed, repeated: false)
        }
    }

    public func nodes() throws -> [NodeRecord] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM nodes ORDER BY overlay_ip_num").map(Self.node)
        }
    }

    public func removeNode(named name: String) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "DELETE FROM nodes WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    private static func node(_ row: Row) -> NodeRecord {
        NodeRecord(name: row["name"], overlayIP: row["overlay_ip"], fingerprint: row["fingerprint"], serial: row["serial"],
                   certificate: row["certificate"], registeredAt: Date(timeIntervalSince1970: row["registered_at"]),
                   tokenID: row["token_id"], previousFingerprint: row["previous_fingerprint"],
                   renewedAt: (row["renewed_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    private static func token(_ row: Row) -> TokenRecord {
        TokenRecord(id: row["id"], name: row["name"], verifier: Array(row["verifier"] as Data),
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
                    usesLeft: row["uses_left"], revoked: row["revoked"])
    }
}
