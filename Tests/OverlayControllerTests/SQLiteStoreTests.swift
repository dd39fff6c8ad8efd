import Foundation
import OverlayCore
import Testing
@testable import OverlayController

/// The controller's SQLite store on a real temporary file: the schema
/// migration, persistence across reopening, and flow 1's single
/// transaction that stores everything or nothing.
@Suite("SQLite store", .timeLimit(.minutes(2)))
struct SQLiteStoreTests {
    let dir: TempDirectory
    var path: String { dir.file("controller.db") }

    init() throws { dir = try TempDirectory("store") }

    func token(_ id: String = "t1", uses: Int = 3, expiresIn: TimeInterval = 600, revoked: Bool = false) -> TokenRecord {
        TokenRecord(id: id, name: nil, verifier: Array(repeating: 7, count: 32), createdAt: Date(),
                    expiresAt: Date().addingTimeInterval(expiresIn), usesLeft: uses, revoked: revoked)
    }

    static let network = try! IPv4Network(parsing: "10.5.0.0/29")

    func attempt(_ name: String, ip: String? = nil, token: String = "t1") -> EnrollmentAttempt {
        EnrollmentAttempt(tokenID: token, name: name, requestedIP: ip, network: Self.network, now: Date())
    }

    func enroll(_ store: SQLiteControllerStore, _ attempt: EnrollmentAttempt,
                checkToken: (TokenRecord) throws(EnrollmentError) -> Void = { _ in }) throws -> NodeRecord {
        try store.enroll(attempt, checkToken: checkToken) { ip throws(EnrollmentError) in
            IssuedCertificate(pem: "PEM \(attempt.name)", fingerprint: "fp-\(attempt.name)", serial: "01")
        }
    }

    func enrollmentError(_ body: () throws -> Void) -> EnrollmentError? {
        do { try body(); return nil } catch let error as EnrollmentError { return error } catch {
            Issue.record("expected an EnrollmentError, got \(error)")
            return nil
        }
    }

    @Test("a new file gets the schema through every migration, mode 0600, and reopening keeps the data")
    func migrationAndPersistence() async throws {
        defer { dir.remove() }
        do {
            let store = try SQLiteControllerStore(path: path)
            #expect(try store.meta("network") == nil)
            try store.setMeta("network", "10.5.0.0/29")
            try store.insertToken(token())
            _ = try enroll(store, attempt("alpha"))
        }
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)

        let reopened = try SQLiteControllerStore(path: path)
        #expect(try reopened.meta("network") == "10.5.0.0/29")
        #expect(try reopened.tokens().map(\.usesLeft) == [2])
        #expect(try reopened.nodes().map(\.name) == ["alpha"])
        #expect(try reopened.nodes().first?.overlayIP == "10.5.0.1")

        // The real sqlite3 tool sees the schema and the migration record.
        if let sqlite3 = Binaries.tool("sqlite3") {
            let migrations = try await ChildProcess.run(sqlite3, [path, "SELECT identifier FROM grdb_migrations"], in: dir, tag: "sqlite3")
            #expect(migrations.stdout.split(separator: "\n") == ["v1", "v2-renewal"], "\(migrations.stderr)")
            let tables = try await ChildProcess.run(sqlite3, [path, ".tables"], in: dir, tag: "sqlite3")
            for table in ["meta", "tokens", "nodes"] { #expect(tables.stdout.contains(table)) }
            let journal = try await ChildProcess.run(sqlite3, [path, "PRAGMA journal_mode"], in: dir, tag: "sqlite3")
            #expect(journal.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "wal")
        }
    }

    /// Tests/Fixtures/schema-v1: a controller database written by the schema before renewal
    /// (two enrolled nodes), committed as the controller wrote it.
    @Test("a database from the schema before renewal is migrated on open, keeps its nodes, and its nodes can renew")
    func migratesTheFirstSchema() throws {
        defer { dir.remove() }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/schema-v1/controller/controller.db").standardized.path
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        let store = try SQLiteControllerStore(path: path)
        let nodes = try store.nodes()
        #expect(nodes.map(\.name) == ["bob", "alice"] && nodes.map(\.overlayIP) == ["198.19.0.1", "198.19.0.2"])
        #expect(nodes.allSatisfy { $0.previousFingerprint == nil && $0.renewedAt == nil })
        try store.checkIntegrity()
        let alice = try #require(nodes.first { $0.name == "alice" })
        let renewed = try store.renew(name: "alice", presented: alice.fingerprint, now: Date(), isRetry: { _ in false }) { _ throws(EnrollmentError) in
            IssuedCertificate(pem: "new-pem", fingerprint: "new-fingerprint", serial: "2")
        }
        #expect(!renewed.repeated && renewed.node.overlayIP == "198.19.0.2")
        let reopened = try SQLiteControllerStore(path: path).nodes().first { $0.name == "alice" }
        #expect(reopened?.fingerprint == "new-fingerprint" && reopened?.previousFingerprint == alice.fingerprint && reopened?.renewedAt != nil)
        #expect(throws: EnrollmentError.certificateSuperseded("alice")) {
            try store.renew(name: "alice", presented: "someone-else", now: Date(), isRetry: { _ in true }) { _ throws(EnrollmentError) in
                IssuedCertificate(pem: "x", fingerprint: "y", serial: "3")
            }
        }
    }

    @Test("a file that is not a database is refused with the path in the error")
    func notADatabase() throws {
        defer { dir.remove() }
        try dir.write("controller.db", String(repeating: "this is not sqlite ", count: 200))
        do {
            _ = try SQLiteControllerStore(path: path)
            Issue.record("opening garbage must fail")
        } catch let error as StoreError {
            #expect(error.description.contains(path))
        }
    }

    @Test("tokens: stored as given, revoked by id, unknown ids reported")
    func tokens() throws {
        defer { dir.remove() }
        let store = try SQLiteControllerStore(path: path)
        let record = token("abc", uses: 5)
        try store.insertToken(record)
        let stored = try #require(try store.tokens().first)
        #expect(stored.id == "abc")
        #expect(stored.verifier == record.verifier)
        #expect(stored.usesLeft == 5)
        #expect(abs(stored.expiresAt.timeIntervalSince(record.expiresAt)) < 0.001)
        #expect(try store.revokeToken(id: "abc"))
        #expect(try store.tokens().first?.revoked == true)
        #expect(try store.revokeToken(id: "nope") == false)
    }

    @Test("the lowest free address is chosen; a requested one is honoured; a freed one is reused")
    func addressChoice() throws {
        defer { dir.remove() }
        let store = try SQLiteControllerStore(path: path)
        try store.insertToken(token(uses: 10))
        #expect(try enroll(store, attempt("a")).overlayIP == "10.5.0.1")
        #expect(try enroll(store, attempt("c", ip: "10.5.0.3")).overlayIP == "10.5.0.3")
        #expect(try enroll(store, attempt("b")).overlayIP == "10.5.0.2")
        #expect(try enroll(store, attempt("d")).overlayIP == "10.5.0.4")
        #expect(try store.removeNode(named: "b"))
        #expect(try store.removeNode(named: "b") == false)
        #expect(try enroll(store, attempt("e")).overlayIP == "10.5.0.2")
        #expect(try enroll(store, attempt("f")).overlayIP == "10.5.0.5")
        #expect(try enroll(store, attempt("g")).overlayIP == "10.5.0.6")
        // A /29 has six host addresses.
        #expect(enrollmentError { _ = try enroll(store, attempt("h")) } == .networkFull("10.5.0.0/29"))
        #expect(try store.nodes().map(\.name) == ["a", "e", "c", "d", "f", "g"])
        #expect(try store.tokens().first?.usesLeft == 3, "seven enrollments of ten uses; the refused one spent none")
    }

    @Test("every refusal inside the transaction stores nothing and spends no use")
    func refusalsStoreNothing() throws {
        defer { dir.remove() }
        let store = try SQLiteControllerStore(path: path)
        try store.insertToken(token("t1", uses: 2))
        try store.insertToken(token("gone", uses: 0))
        try store.insertToken(token("old", expiresIn: -1))
        try store.insertToken(token("off", revoked: true))
        _ = try enroll(store, attempt("alpha", ip: "10.5.0.2"))
        let nodes = try store.nodes()
        let tokens = try store.tokens()

        #expect(enrollmentError { _ = try enroll(store, attempt("b", token: "zzz")) } == .unknownToken("zzz"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b"), checkToken: { _ throws(EnrollmentError) in throw .badProof }) } == .badProof)
        #expect(enrollmentError { _ = try enroll(store, attempt("b", token: "gone")) } == .tokenUsedUp("gone"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b", token: "old")) } == .tokenExpired("old"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b", token: "off")) } == .tokenRevoked("off"))
        #expect(enrollmentError { _ = try enroll(store, attempt("alpha")) } == .nameTaken("alpha"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b", ip: "10.5.0.2")) } == .ipTaken("10.5.0.2", by: "alpha"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b", ip: "10.5.0.7")) } == .ipOutOfRange("10.5.0.7", network: "10.5.0.0/29"))
        #expect(enrollmentError { _ = try enroll(store, attempt("b", ip: "10.5.0.x")) } == .invalidIP("10.5.0.x"))
        // Signing fails after the address was chosen: the transaction rolls back.
        #expect(enrollmentError {
            _ = try store.enroll(attempt("b"), checkToken: { _ in }) { _ throws(EnrollmentError) in throw .invalidRequest("signing failed") }
        } == .invalidRequest("signing failed"))

        #expect(try store.nodes() == nodes)
        #expect(try store.tokens() == tokens)
    }

    @Test("two stores on one file see each other's writes (WAL, busy timeout)")
    func twoConnections() throws {
        defer { dir.remove() }
        let a = try SQLiteControllerStore(path: path)
        let b = try SQLiteControllerStore(path: path)
        try a.insertToken(token(uses: 2))
        _ = try enroll(b, attempt("alpha"))
        #expect(try a.nodes().map(\.name) == ["alpha"])
        #expect(try a.tokens().first?.usesLeft == 1)
    }
}
