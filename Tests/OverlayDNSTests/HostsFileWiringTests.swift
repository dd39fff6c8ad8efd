import Foundation
import OverlayCore
import OverlayDNS
import Testing

/// The hosts-file wiring against real files in a temporary directory: what the file holds after
/// apply and remove, what it keeps (mode, other nodes' blocks), and when it is not rewritten.
@Suite struct HostsFileWiringTests {
    /// A fresh directory holding `hosts`, removed when the test ends.
    final class Scratch {
        let directory: String
        var path: String { directory + "/hosts" }

        init() {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-hosts-\(UUID().uuidString)").path
            try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func write(_ text: String, mode: mode_t = 0o644) {
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
            chmod(path, mode)
        }

        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing>" }
        var info: stat {
            var s = stat()
            #expect(stat(path, &s) == 0)
            return s
        }
        var entries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory).sorted()) ?? [] }
    }

    static func zone(_ nodes: [String: String], serial: UInt32 = 1) throws -> DNSZone {
        try DNSZone(domain: "overlay.internal", network: IPv4Network(parsing: "198.19.0.0/16"),
                    nodes: nodes.mapValues { IPv4Address($0)! }, serial: serial)
    }

    static let twoNodes = ["alice": "198.19.0.1", "bob": "198.19.0.2"]
    static let aliceBlock = "# BEGIN overlayd node alice\n198.19.0.1\talice.overlay.internal\n198.19.0.2\tbob.overlay.internal\n# END overlayd node alice\n"

    @Test func applyAddsTheBlockKeepingModeAndTheRest() throws {
        let scratch = Scratch()
        scratch.write("127.0.0.1\tlocalhost", mode: 0o640)
        let wiring = HostsFileWiring(path: scratch.path, owner: "alice", search: false)
        #expect(wiring.kind == "hosts-file")
        try wiring.apply(zone: Self.zone(Self.twoNodes))
        #expect(scratch.text == "127.0.0.1\tlocalhost\n" + Self.aliceBlock)
        #expect(scratch.info.st_mode & 0o7777 == 0o640)
        #expect(scratch.entries == ["hosts"], "no temporary file is left behind")

        try wiring.remove()
        #expect(scratch.text == "127.0.0.1\tlocalhost\n")
        #expect(scratch.info.st_mode & 0o7777 == 0o640)
        try wiring.remove()
        #expect(scratch.text == "127.0.0.1\tlocalhost\n", "a second remove changes nothing")
    }

    @Test func searchAddsShortNames() throws {
        let scratch = Scratch()
        scratch.write("")
        try HostsFileWiring(path: scratch.path, owner: "alice", search: true).apply(zone: Self.zone(Self.twoNodes))
        #expect(scratch.text.contains("198.19.0.2\tbob.overlay.internal bob\n"))
    }

    @Test func anUnchangedZoneDoesNotRewriteTheFile() throws {
        let scratch = Scratch()
        scratch.write("127.0.0.1 localhost\n")
        let wiring = HostsFileWiring(path: scratch.path, owner: "alice", search: false)
        try wiring.apply(zone: Self.zone(Self.twoNodes))
        let first = scratch.info
        try wiring.apply(zone: Self.zone(Self.twoNodes, serial: 2))
        #expect(scratch.info.st_ino == first.st_ino, "same names and addresses: the file is not replaced")

        try wiring.apply(zone: Self.zone(["alice": "198.19.0.1"], serial: 3))
        #expect(scratch.info.st_ino != first.st_ino, "a changed block replaces the file")
        #expect(!scratch.text.contains("bob"))
    }

    @Test func twoOwnersKeepBothBlocksEvenWhenWritingAtOnce() async throws {
        let scratch = Scratch()
        scratch.write("127.0.0.1 localhost\n")
        let owners = ["alice", "bob"], path = scratch.path
        let zones = try (0..<20).map { i in try Self.zone(["alice": "198.19.0.1", "bob": "198.19.1.\(i + 1)"], serial: UInt32(i)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for owner in owners {
                group.addTask {
                    let wiring = HostsFileWiring(path: path, owner: owner, search: false)
                    for zone in zones { try wiring.apply(zone: zone) }
                }
            }
            try await group.waitForAll()
        }
        let text = scratch.text
        for owner in owners {
            #expect(text.contains("# BEGIN overlayd node \(owner)\n198.19.0.1\talice.overlay.internal\n198.19.1.20\tbob.overlay.internal\n# END overlayd node \(owner)\n"))
        }
        #expect(text.hasPrefix("127.0.0.1 localhost\n"))
        #expect(scratch.entries == ["hosts"])

        try HostsFileWiring(path: scratch.path, owner: "alice", search: false).remove()
        #expect(!scratch.text.contains("node alice"))
        #expect(scratch.text.contains("# END overlayd node bob\n"))
    }

    @Test func aMissingFileIsCreatedOnApplyButNotOnRemove() throws {
        let scratch = Scratch()
        let wiring = HostsFileWiring(path: scratch.path, owner: "alice", search: false)
        try wiring.remove()
        #expect(scratch.entries.isEmpty)
        try wiring.apply(zone: Self.zone(Self.twoNodes))
        #expect(scratch.text == Self.aliceBlock)
        #expect(scratch.info.st_mode & 0o7777 == 0o644)
    }

    @Test func aDamagedBlockIsReportedAndNothingIsTouched() throws {
        let scratch = Scratch()
        let damaged = "127.0.0.1 localhost\n# BEGIN overlayd node bob\n198.19.0.2\tbob.overlay.internal\n"
        scratch.write(damaged)
        let before = scratch.info
        let wiring = HostsFileWiring(path: scratch.path, owner: "alice", search: false)
        let error = try #require(throws: HostDNSError.self) { try wiring.apply(zone: Self.zone(Self.twoNodes)) }
        #expect(error.description.contains(scratch.path))
        #expect(error.description.contains("line 2"))
        #expect(throws: HostDNSError.self) { try wiring.remove() }
        #expect(scratch.text == damaged)
        #expect(scratch.info.st_ino == before.st_ino)
    }

    @Test func aSymlinkStaysALinkAndItsTargetIsUpdated() throws {
        let scratch = Scratch()
        let target = scratch.directory + "/real-hosts"
        #expect(FileManager.default.createFile(atPath: target, contents: Data("127.0.0.1 localhost\n".utf8)))
        #expect(symlink("real-hosts", scratch.path) == 0)
        try HostsFileWiring(path: scratch.path, owner: "alice", search: false).apply(zone: Self.zone(Self.twoNodes))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path) == "real-hosts")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "127.0.0.1 localhost\n" + Self.aliceBlock)
    }

    @Test func anUnreadableLocationNamesTheFile() throws {
        let scratch = Scratch()
        let wiring = HostsFileWiring(path: scratch.directory + "/missing-dir/hosts", owner: "alice", search: false)
        let error = try #require(throws: HostDNSError.self) { try wiring.apply(zone: Self.zone(Self.twoNodes)) }
        #expect(error.description.contains(scratch.directory + "/missing-dir/hosts"))
    }
}
