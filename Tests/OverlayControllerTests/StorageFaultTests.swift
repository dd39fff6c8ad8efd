import Foundation
import OverlayProtocol
import OverlayTLS
import Testing

/// The controller's database damaged, full or read-only, with the real binary:
/// a damaged file stops it with advice to restore (never a new network over it),
/// a full or read-only disk refuses enrollments in words while rosters go on
/// being served, and enrollments work again once the disk does.
@Suite("Storage faults", .timeLimit(.minutes(5)))
struct StorageFaultTests {
    /// python3's sqlite3 module folds the WAL into the file, so the bytes below are the file's.
    static func checkpoint(_ path: String, in dir: TempDirectory) async throws {
        let python = try #require(Binaries.tool("python3"), "python3 is needed to edit the database file")
        let result = try await ChildProcess.run(python, ["-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()
            """, path], in: dir, tag: "checkpoint")
        try #require(result.status == 0, "checkpoint: \(result.stderr)")
    }

    static func enrolledAndStopped(_ body: (TempDirectory, EnrolledNode) async throws -> Void) async throws {
        try await withTempDirectory { dir in
            let controller = try await ControllerProcess.start(in: dir)
            let alice = try await controller.enroll("alice")[0]
            let stopped = try await controller.stop()
            try #require(stopped == 0)
            try await Self.checkpoint(controller.stateDir + "/controller.db", in: dir)
            try await body(dir, alice)
        }
    }

    @Test("a database whose first page is overwritten stops the controller with advice to restore a backup; nothing is replaced")
    func damagedHeader() async throws {
        try await Self.enrolledAndStopped { dir, _ in
            let db = dir.file("state/controller.db")
            let handle = try #require(FileHandle(forUpdatingAtPath: db))
            try handle.write(contentsOf: Data(repeating: 0x5a, count: 100))
            try handle.close()
            let damaged = try Data(contentsOf: URL(fileURLWithPath: db))
            let ca = try Data(contentsOf: URL(fileURLWithPath: dir.file("state/ca.crt")))

            let result = try await StartupTests.refusal(in: dir)
            #expect(result.status == 65, "EX_DATAERR, which the unit does not restart over: \(result.status)")
            #expect(result.stderr.contains("is damaged") && result.stderr.contains("restore it from a backup"), "\(result.stderr)")
            #expect(result.stderr.contains("will not start a new network"), "\(result.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == damaged, "the damaged file is left for the operator")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("state/ca.crt"))) == ca, "the CA is untouched")
        }
    }

    @Test("one flipped byte in a stored certificate stops the controller, naming the node and what to do")
    func damagedRecord() async throws {
        try await Self.enrolledAndStopped { dir, alice in
            let db = dir.file("state/controller.db")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: db))
            // A run of base64 from the middle of alice's certificate, as the database stores it.
            let body = alice.certificate.pem.split(separator: "\n").dropFirst(3).first.map { Data($0.utf8) }
            let range = try #require(body.flatMap { bytes.range(of: $0) }, "alice's certificate text is in the file")
            let at = range.lowerBound + 10
            bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            try bytes.write(to: URL(fileURLWithPath: db))

            let result = try await StartupTests.refusal(in: dir)
            #expect(result.stderr.contains("the record of node alice"), "\(result.stderr)")
            #expect(result.stderr.contains("restore the database from a backup") && result.stderr.contains("overlayctl node remove alice"),
                    "\(result.stderr)")
        }
    }
}

/// A small tmpfs as the state directory: filled up, then made read-only.
@Suite("Storage faults on a small disk", .timeLimit(.minutes(5)),
       .enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
struct SmallDiskTests {
    static func mount(_ arguments: [String], in dir: TempDirectory) async throws {
        let result = try await ChildProcess.run("/usr/bin/mount", arguments, in: dir, tag: "mount")
        try #require(result.status == 0, "mount \(arguments): \(result.stderr)")
    }

    @Test("a full disk refuses enrollments in words while rosters keep being served, and recovers; a read-only one is named at start")
    func fullThenReadOnly() async throws {
        try await withTempDirectory { dir in
            let state = dir.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            try await Self.mount(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", state], in: dir)
            defer { _ = umount2(state, Int32(MNT_DETACH)) }
            let controller = try await ControllerProcess.start(in: dir)
            do {
                let (token, _) = try await controller.control.createToken(uses: 10)
                let alice = try await controller.enrollment(token).enroll("alice")
                let aliceClient = try controller.client(alice)

                // Full: a filler takes every free byte.
                let filler = state + "/filler"
                let fill = try await ChildProcess.run("/usr/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"], in: dir, tag: "dd")
                #expect(fill.stderr.contains("No space left"), "dd filled the disk: \(fill.stderr)")
                let full = try await #require(throws: Refusal.self) { try await controller.enrollment(token).enroll("bob") }
                #expect(full.status == 503 && full.code == "storage_error" && full.message.contains("is full"), "\(full)")
                #expect(try await aliceClient.roster(listenPort: 7001).nodes?.map(\.name) == ["alice"], "rosters are still served")
                #expect(controller.logs.contains("enrollment not stored"), "the journal says so")

                try FileManager.default.removeItem(atPath: filler)
                let bob = try await controller.enrollment(token).enroll("bob")
                #expect(bob.name == "bob", "space is back: bob enrolls")

            } catch {
                print("controller log after a failed test (\(error)):\n\(controller.logs)")
                _ = try? await controller.stop(signal: SIGKILL)
                throw error
            }
            let stopped = try await controller.stop()
            #expect(stopped == 0)

            // Read-only (Linux refuses to remount a file system read-only while a process writes to it,
            // so this is the state directory as a start finds it): refused in those words, nothing changed.
            try await Self.mount(["-o", "remount,ro", state], in: dir)
            let readOnly = try await StartupTests.refusal(in: dir)
            #expect(readOnly.stderr.contains("read-only"), "\(readOnly.stderr)")
            try await Self.mount(["-o", "remount,rw", state], in: dir)
            let again = try await ControllerProcess.start(in: dir)
            let names = try await again.control.roster().nodes.map(\.name).sorted()
            _ = try await again.stop()
            #expect(names == ["alice", "bob"])
        }
    }
}
