import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayProtocol

/// Flow 2: every `interval`, heartbeat and fetch the roster. When the
/// controller is away, keep the last roster, retry with exponential backoff
/// and jitter, and say so once when it is lost and once when it is back.
/// Each round stamps `Liveness`, so the watchdog notices a poll that never ends.
struct RosterPoller: Sendable {
    let client: ControllerClient
    let cache: RosterCache
    let timers: NodeTimers
    var interval: TimeInterval { timers.rosterInterval }
    let advertise: String?
    let listenPort: Int
    /// The UDP data port, announced so peers know where to send; nil on a control-plane-only node.
    var dataPort: Int?
    /// The network's CAs as each full roster gives them (`CertificateRenewer.adopt`).
    var onTrust: @Sendable (TrustBundle) -> Void = { _ in }
    let logger: Logger
    /// Peer health to report with each poll.
    let reporter: HealthReporter
    let liveness: Liveness
    /// Called when peers join, leave, move or change certificate, so the scheduler can act at once.
    let onChange: @Sendable (RosterChange) -> Void
    /// The name the watchdog's log line gives this loop.
    static let loopName = "roster-poll"
    /// The longest a roster request may take, connecting included.
    static let maxCallTimeout: TimeInterval = 10
    /// The bound on one roster request, connecting included: the roster interval, from 1 to 10 s.
    var callTimeout: TimeInterval { max(1, min(interval, Self.maxCallTimeout)) }
    /// The bound on `POST /v1/leave` when the node stops: a stop must not wait on a controller that is away.
    static let leaveTimeout: TimeInterval = 2

    init(client: ControllerClient, cache: RosterCache, timers: NodeTimers, advertise: String?, listenPort: Int, logger: Logger,
         reporter: HealthReporter, liveness: Liveness = Liveness(),
         onChange: @escaping @Sendable (RosterChange) -> Void) {
        self.client = client; self.cache = cache; self.timers = timers; self.advertise = advertise; self.listenPort = listenPort
        self.logger = logger; self.reporter = reporter; self.liveness = liveness; self.onChange = onChange
    }

    func run() async {
        defer { liveness.retire(Self.loopName) }
        var failures = 0
        var lastRefusal: String?
        while !Task.isCancelled {
            liveness.stamp(Self.loopName, nextWithin: callTimeout)
            let started = NIODeadline.now()
            do {
                try await pollOnce()
                failures = 0
                lastRefusal = nil
                if cache.markReachable(true) {
                    logger.notice("controller reachable", metadata: ["event": "controller-back", "controller": "\(client.description)",
                                                                     "roster_version": "\(cache.version ?? "-")"])
                }
            } catch let refusal as APIError {
                // The controller is up and answers, but refuses this node: say what it said, once.
                failures += 1
                _ = cache.markReachable(true)
                if lastRefusal != refusal.message {
                    lastRefusal = refusal.message
                    logger.error("the controller refuses this node's roster requests; keeping the last roster",
                                 metadata: ["event": "roster-refused", "controller": "\(client.description)", "code": "\(refusal.error)",
                                            "error": "\(refusal.message)"])
                }
            } catch {
                failures += 1
                if cache.markReachable(false) || failures == 1 {
                    logger.warning("controller lost; keeping the last roster and retrying", metadata: [
                        "event": "controller-lost", "controller": "\(client.description)", "error": "\(error)",
                        "elapsed_ms": "\(Self.milliseconds(since: started))"])
                }
            }
            let delay = failures == 0 ? interval : Self.backoff(interval: interval, failures: failures)
            liveness.stamp(Self.loopName, nextWithin: delay)
            do { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) } catch { return }
        }
    }

    /// interval × 2^(n-1), capped at 6 × interval, with ±20 % jitter so a
    /// fleet does not return to a restarted controller in lockstep.
    static func backoff(interval: TimeInterval, failures: Int) -> TimeInterval {
        let base = min(interval * pow(2, Double(max(0, failures - 1))), interval * 6)
        return base * Double.random(in: 0.8...1.2)
    }

    func pollOnce() async throws {
        let request = RosterRequest(knownVersion: cache.version, advertise: advertise, listenPort: listenPort,
                                    health: reporter.nextReport(), dataPort: dataPort, pollInterval: interval)
        let reply: RosterResponse
        do {
            reply = try await client.call(.POST, "/v1/roster", body: request, as: RosterResponse.self, timeout: callTimeout)
        } catch let refusal as APIError where refusal.error == HealthReporter.refusalCode {
            // Resending the same report would be refused forever and stop the roster with it: drop it, say so.
            reporter.refused()
            logger.error("the controller refused this node's health report; dropped it (the next full report resends everything)",
                         metadata: ["controller": "\(client.description)", "reason": "\(refusal.message)"])
            throw refusal
        } catch {
            reporter.failed()
            throw error
        }
        reporter.answered(reply.health)
        apply(reply)
    }

    /// A roster answer into the cache; what changed is logged and handed to `onChange`.
    private func apply(_ reply: RosterResponse) {
        if !reply.unchanged, let trust = reply.trust { onTrust(trust) }
        let change = cache.update(version: reply.version, entries: reply.unchanged ? nil : reply.nodes, domain: reply.domain)
        if !change.isEmpty {
            logger.info("roster changed", metadata: ["event": "roster-updated", "roster_version": "\(reply.version)",
                                                     "joined": "\(change.joined.joined(separator: ","))", "left": "\(change.left.joined(separator: ","))",
                                                     "changed": "\(change.changed.joined(separator: ","))"])
            onChange(change)
        }
    }

    /// The roster alone, out of turn (`RosterRefresher`): no heartbeat and no health
    /// report, so the regular poll's report sequence is not disturbed.
    func fetchRoster() async {
        let known = cache.version.map { "?version=\($0)" } ?? ""
        do {
            let reply = try await client.call(.GET, "/v1/roster" + known, body: Optional<Int>.none, as: RosterResponse.self,
                                              timeout: callTimeout)
            logger.info("roster fetched out of turn", metadata: ["event": "roster-refreshed", "roster_version": "\(reply.version)"])
            apply(reply)
        } catch {
            logger.info("roster fetch out of turn failed", metadata: ["event": "roster-refresh-failed", "error": "\(error)"])
        }
    }

    /// A clean stop: tell the controller we are leaving, waiting at most `leaveTimeout`.
    func leave() async {
        let started = NIODeadline.now()
        do {
            let reply = try await client.call(.POST, "/v1/leave", body: Optional<Int>.none, as: LeaveResponse.self,
                                              timeout: Self.leaveTimeout)
            logger.notice("left the active roster", metadata: ["event": "left", "node": "\(reply.name)"])
        } catch {
            logger.warning("could not tell the controller we are leaving; it will drop us after its active timeout",
                           metadata: ["event": "leave-failed", "error": "\(error)", "elapsed_ms": "\(Self.milliseconds(since: started))"])
        }
    }

    /// Whole milliseconds since `start`, for the log lines of calls that failed (how long the node waited).
    static func milliseconds(since start: NIODeadline) -> Int64 {
        (NIODeadline.now() - start).nanoseconds / 1_000_000
    }
}
