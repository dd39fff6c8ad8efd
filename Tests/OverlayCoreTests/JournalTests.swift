import Foundation
import Logging
import OverlayCore
import Testing

/// `$JOURNAL_STREAM` detection and the journal field encoding, without a
/// running journald: what decides where entries go, and what they hold.
@Suite struct JournalStreamTests {
    /// `device:inode` of the file open on `fd`, as systemd writes JOURNAL_STREAM.
    static func streamValue(of fd: Int32) throws -> String {
        var info = stat()
        #expect(fstat(fd, &info) == 0)
        return "\(info.st_dev):\(info.st_ino)"
    }

    @Test func matchesOnlyTheStreamItNames() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ovl-js-\(UUID().uuidString)").path
        let other = path + ".other"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(FileManager.default.createFile(atPath: other, contents: nil))
        defer { unlink(path); unlink(other) }
        let fd = open(path, O_WRONLY), otherFD = open(other, O_WRONLY)
        defer { close(fd); close(otherFD) }
        let value = try Self.streamValue(of: fd)
        #expect(JournalStream.isStandardError(value, fd: fd))
        #expect(!JournalStream.isStandardError(value, fd: otherFD), "another file on the same device is not the stream")
        #expect(!JournalStream.isStandardError(try Self.streamValue(of: otherFD), fd: fd))
        #expect(!JournalStream.isStandardError(nil, fd: fd))
    }

    @Test(arguments: ["", "12", "12:", ":34", "a:b", "1:2:3", "-1:5", " 1:2"])
    func refusesMalformedValues(_ value: String) {
        #expect(JournalStream.parse(value) == nil)
        #expect(!JournalStream.isStandardError(value, fd: STDERR_FILENO))
    }

    @Test func parsesDecimalDeviceAndInode() {
        #expect(JournalStream.parse("64769:1234567")! == (64769, 1_234_567))
    }
}

@Suite struct JournalFieldsTests {
    @Test(arguments: [("peer", "OVERLAY_PEER"), ("rtt_usec", "OVERLAY_RTT_USEC"), ("event", "OVERLAY_EVENT"),
                      ("roster.version", "OVERLAY_ROSTER_VERSION"), ("cert-sha256", "OVERLAY_CERT_SHA256"), ("ünï", "OVERLAY__N_")])
    func metadataKeysBecomeFieldNames(_ key: String, _ field: String) {
        #expect(JournalFields.name(forMetadataKey: key) == field)
    }

    @Test func fieldNamesStayWithinJournaldsLimit() {
        let name = JournalFields.name(forMetadataKey: String(repeating: "k", count: 100))
        #expect(name.count == 64 && name.hasPrefix("OVERLAY_KKK"))
    }

    @Test func levelsMapToSyslogPriorities() {
        let map: [(Logger.Level, Int)] = [(.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2)]
        for (level, priority) in map { #expect(JournalFields.priority(level) == priority, "\(level)") }
    }

    @Test func aPongEntryCarriesTheFieldsJournalctlSelectsBy() {
        let fields = JournalFields.entry(message: "PONG from bob in 0.412 ms", level: .info, identifier: "overlayd-node",
                                         metadata: ["event": "pong", "peer": "bob", "rtt_usec": "412", "endpoint": "198.18.0.2:7444"],
                                         file: "OverlayNode/PingScheduler.swift", line: 61, function: "exchange(with:)")
        #expect(fields == [
            "MESSAGE=PONG from bob in 0.412 ms", "PRIORITY=6", "SYSLOG_IDENTIFIER=overlayd-node",
            "CODE_FILE=OverlayNode/PingScheduler.swift", "CODE_LINE=61", "CODE_FUNC=exchange(with:)",
            "OVERLAY_ENDPOINT=198.18.0.2:7444", "OVERLAY_EVENT=pong", "OVERLAY_PEER=bob", "OVERLAY_RTT_USEC=412",
        ])
    }

    @Test func valuesKeepNewlinesButNotNULs() {
        let fields = JournalFields.entry(message: "two\nlines", level: .error, identifier: "x",
                                         metadata: ["error": "first\nsecond\0third"], file: "f", line: 1, function: "g")
        #expect(fields.contains("MESSAGE=two\nlines"))
        #expect(fields.contains("OVERLAY_ERROR=first\nsecond\\0third"))
        #expect(fields.allSatisfy { !$0.contains("\0") })
    }
}
