import Foundation
import Logging
import NIOConcurrencyHelpers

/// Daemons log one entry per event with short metadata keys (`event`,
/// `peer`, `rtt_usec`, ...). When stderr is the journal (`$JOURNAL_STREAM`
/// names it), entries go to journald as structured fields (`OVERLAY_PEER=bob`);
/// elsewhere they are readable lines on stderr. The level is one setting for
/// the whole process, changed live on SIGHUP.
public enum LogSetup {
    private static let level = NIOLockedValueBox(Logger.Level.info)

    /// The process-wide level every handler made here reads on each entry.
    public static var currentLevel: Logger.Level { level.withLockedValue { $0 } }

    public static func setLevel(_ new: Logger.Level) { level.withLockedValue { $0 = new } }

    public static func bootstrap(label: String, level initial: Logger.Level,
                                 environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        setLevel(initial)
        let toJournal = JournalStream.isStandardError(environment["JOURNAL_STREAM"])
        LoggingSystem.bootstrap { name in
            toJournal ? JournalLogHandler(identifier: label, label: name) as any LogHandler : StderrLogHandler(label: name)
        }
        return Logger(label: label)
    }
}

/// Readable lines on stderr (swift-log's stream format) at the live process-wide level.
struct StderrLogHandler: LogHandler {
    private var stream: StreamLogHandler

    init(label: String) {
        stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = .trace
    }

    var logLevel: Logger.Level {
        get { LogSetup.currentLevel }
        set { LogSetup.setLevel(newValue) }
    }

    var metadata: Logger.Metadata {
        get { stream.metadata }
        set { stream.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { stream[metadataKey: key] }
        set { stream[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        stream.log(event: event)
    }
}
