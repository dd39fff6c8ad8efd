import Logging
import NIOConcurrencyHelpers
import NIOPosix
import OverlayCore
import Testing

/// The watchdog's decision each beat: ping only while every loop keeps its promise.
@Suite("watchdog")
struct WatchdogTests {
    /// Keeps the `event` of every log entry.
    struct EventRecorder: LogHandler {
        let events: NIOLockedValueBox<[String]>
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            events.withLockedValue { $0.append(event.metadata?["event"].map { "\($0)" } ?? "") }
        }
    }

    @Test("a stale stamp withholds WATCHDOG=1 and is logged once; a fresh stamp resumes the pings")
    func staleStampWithholdsPing() async throws {
        let clock = ManualClock()
        let liveness = Liveness(clock: clock.read)
        let events = NIOLockedValueBox<[String]>([])
        let watchdog = Watchdog(interval: .seconds(1), loops: Array(MultiThreadedEventLoopGroup.singleton.makeIterator()),
                                liveness: liveness, notifier: SystemdNotifier(environment: [:]),
                                logger: Logger(label: "test", factory: { _ in EventRecorder(events: events) }))
        var reported: Set<String> = []
        liveness.stamp("ping", nextWithin: 5)
        #expect(try await watchdog.beat(reported: &reported), "every loop on time: ping")

        clock.advance(5 + Liveness.slack + 1)
        #expect(try await !watchdog.beat(reported: &reported), "the ping loop is late: withheld")
        #expect(try await !watchdog.beat(reported: &reported), "still late: still withheld")
        #expect(events.withLockedValue { $0 } == ["watchdog-stale"], "logged once, not at every beat")

        liveness.stamp("ping", nextWithin: 5)
        #expect(try await watchdog.beat(reported: &reported), "the loop is back: pings resume")
    }
}
