import CSystemd
import Foundation
import Logging

/// Sends each entry to journald with sd_journal_sendv(3) as structured
/// fields (see `JournalFields`), at the live process-wide level. Used only
/// when stderr is the journal; if journald refuses an entry, it goes to
/// stderr as a line instead, so nothing is lost.
struct JournalLogHandler: LogHandler {
    let identifier: String
    let label: String
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(identifier: String, label: String) {
        self.identifier = identifier
        self.label = label
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    var logLevel: Logger.Level {
        get { LogSetup.currentLevel }
        set { LogSetup.setLevel(newValue) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        let fields = JournalFields.entry(message: event.message.description, level: event.level, identifier: identifier,
                                         metadata: merged, file: event.file, line: event.line, function: event.function)
        if JournalSender.send(fields) { return }
        var fallback = StreamLogHandler.standardError(label: label)
        fallback.logLevel = .trace
        var line = event
        line.metadata = merged
        fallback.log(event: line)
    }
}

/// sd_journal_sendv(3) over Swift strings: all fields in one buffer, one
/// iovec per field pointing into it, valid for the duration of the call.
enum JournalSender {
    static func send(_ fields: [String]) -> Bool {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) == 0 }
        }
    }
}
