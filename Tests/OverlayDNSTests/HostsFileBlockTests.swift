import OverlayCore
import OverlayDNS
import Testing

/// The hosts-file block's rendering, without files: what lands in the file, and that nothing
/// outside this node's block ever changes.
@Suite struct HostsFileBlockTests {
    static let entries = [
        HostsFileBlock.Entry(name: "carol", address: IPv4Address("198.19.0.3")!),
        HostsFileBlock.Entry(name: "alice", address: IPv4Address("198.19.0.1")!),
        HostsFileBlock.Entry(name: "bob", address: IPv4Address("198.19.0.2")!),
    ]
    static let block = """
        # BEGIN overlayd node alice
        198.19.0.1\talice.overlay.internal
        198.19.0.2\tbob.overlay.internal
        198.19.0.3\tcarol.overlay.internal
        # END overlayd node alice

        """
    let alice = HostsFileBlock(owner: "alice")

    func render(_ text: String, search: Bool = false, entries: [HostsFileBlock.Entry] = Self.entries) throws -> String {
        try alice.render(text, domain: "overlay.internal", entries: entries, search: search)
    }

    @Test func appendsToAFileWithoutATrailingNewline() throws {
        #expect(try render("127.0.0.1\tlocalhost") == "127.0.0.1\tlocalhost\n" + Self.block)
        #expect(try render("127.0.0.1\tlocalhost\n") == "127.0.0.1\tlocalhost\n" + Self.block)
        #expect(try render("") == Self.block)
    }

    @Test func linesAreSortedByName() throws {
        let lines = try render("").split(separator: "\n")
        #expect(lines.map { $0.split(separator: "\t").last! } == [
            "# BEGIN overlayd node alice", "alice.overlay.internal", "bob.overlay.internal", "carol.overlay.internal",
            "# END overlayd node alice",
        ])
    }

    @Test func searchAddsTheShortName() throws {
        let text = try render("", search: true)
        #expect(text.contains("198.19.0.2\tbob.overlay.internal bob\n"))
        #expect(text.split(separator: "\n").count == 5)
    }

    @Test func replacesItsOwnBlockInPlace() throws {
        let old = "127.0.0.1 localhost\n# BEGIN overlayd node alice\n198.19.0.9\tgone.overlay.internal\n# END overlayd node alice\n::1 localhost\n"
        #expect(try render(old) == "127.0.0.1 localhost\n" + Self.block + "::1 localhost\n")
        #expect(try render(try render(old)) == render(old), "rendering again changes nothing")
    }

    @Test func keepsOtherOwnersBlocksAndEveryOtherByte() throws {
        let before = "# comment \t kept  \r\n10.0.0.1 a b c\n\n# BEGIN overlayd node bob\n198.19.0.2\tbob.overlay.internal\n# END overlayd node bob\n"
        let after = "\n  # trailing text, no final newline"
        let old = before + "# BEGIN overlayd node alice\nx\n# END overlayd node alice\n" + after
        #expect(try render(old) == before + Self.block + after)
        #expect(try alice.removing(from: old) == before + after)
    }

    @Test func keepsBytesThatAreNotUTF8() throws {
        let old: [UInt8] = [0xff, 0xfe, 0x20, 0x0a] + Array("# BEGIN overlayd node alice\n# END overlayd node alice\n".utf8) + [0xc3]
        let new = try alice.render(old, domain: "overlay.internal", entries: Self.entries, search: false)
        #expect(new == [0xff, 0xfe, 0x20, 0x0a] + Array(Self.block.utf8) + [0xc3])
    }

    @Test func removesOnlyItsOwnBlock() throws {
        let bob = "# BEGIN overlayd node bob\n1.2.3.4\tx.overlay.internal\n# END overlayd node bob\n"
        let old = "127.0.0.1 localhost\n" + Self.block + bob
        #expect(try alice.removing(from: old) == "127.0.0.1 localhost\n" + bob)
        #expect(try alice.removing(from: "127.0.0.1 localhost") == "127.0.0.1 localhost", "no block: unchanged")
    }

    @Test func aBlockWithoutEndIsDamageAtItsBeginLine() throws {
        let old = "127.0.0.1 localhost\n# BEGIN overlayd node bob\n1.2.3.4\tbob.overlay.internal\n::1 localhost\n"
        let damage = try #require(throws: HostsFileBlock.Damage.self) { try render(old) }
        #expect(damage.line == 2)
        #expect(damage.problem.contains("# END overlayd node bob"))
        #expect(throws: HostsFileBlock.Damage.self) { try alice.removing(from: old) }
    }

    @Test(arguments: [
        ("# BEGIN overlayd node alice\n# BEGIN overlayd node bob\n# END overlayd node bob\n# END overlayd node alice\n", 1),
        ("a\n# END overlayd node alice\n", 2),
        ("# BEGIN overlayd node alice\n# END overlayd node bob\n", 1),
        ("# BEGIN overlayd node alice\n# END overlayd node alice\nx\n# BEGIN overlayd node alice\n# END overlayd node alice\n", 4),
    ])
    func damagedFilesNameTheLine(_ text: String, _ line: Int) throws {
        let damage = try #require(throws: HostsFileBlock.Damage.self) { try render(text) }
        #expect(damage.line == line, "\(damage.problem)")
    }

    @Test func markersWithTrailingBlanksOrCRStillCount() throws {
        let old = "# BEGIN overlayd node alice \r\nold\n# END overlayd node alice\t\n"
        #expect(try render(old) == Self.block)
    }

    @Test func anEmptyZoneLeavesOnlyTheMarkers() throws {
        #expect(try render("", entries: []) == "# BEGIN overlayd node alice\n# END overlayd node alice\n")
    }
}
