import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Flow 3: every `interval`, PING every other active node concurrently, each
/// exchange bounded by `timeout`, so one dead peer never delays the rest.
/// In `persistent` mode (the default) a verified connection per peer is kept
/// and reused; in `per-round` mode each round opens a fresh mutual-TLS
/// connection per peer. docs/benchmarks.md measures what each costs. Each
/// round stamps `Liveness`, so the watchdog notices a round that never ends.
final class PingScheduler: Sendable {
    let name: String
    let roster: RosterCache
    let book: PeerHealthBook
    let context: TLSContextBox
    let group: any EventLoopGroup
    let timers: NodeTimers
    var interval: TimeInterval { timers.pingInterval }
    var timeout: TimeInterval { timers.pingTimeout }
    let logger: Logger
    let mode: PeerConnectionMode
    let liveness: Liveness
    /// The name the watchdog's log line gives this loop.
    static let loopName = "ping"
    private let pool = PeerConnectionPool()
    let dialed = EventCounter()
    let metrics = NodeMetrics()
    private let sequence = NIOLockedValueBox<UInt64>(0)
    /// Where each new session's data keys go; nil on a control-plane-only node.
    let dataKeys: DataKeysSink?
    /// Asked when a peer presents a certificate the roster does not list (it may have renewed).
    let refresher: RosterRefresher?
    /// Batches of peers to PING out of turn (`pingSoon`), taken by `runOutOfTurn`.
    private let outOfTurn = AsyncStream<[String]>.makeStream()
    /// The roster entries an exchange is under way with.
    private let inFlight = NIOLockedValueBox<Set<RosterEntry>>([])

    init(name: String, roster: RosterCache, book: PeerHealthBook, context: TLSContextBox, group: any EventLoopGroup,
         timers: NodeTimers, mode: PeerConnectionMode, liveness: Liveness = Liveness(), dataKeys: DataKeysSink? = nil,
         refresher: RosterRefresher? = nil, logger: Logger) {
        self.name = name; self.roster = roster; self.book = book; self.context = context; self.group = group
        self.timers = timers; self.mode = mode; self.liveness = liveness; self.dataKeys = dataKeys; self.refresher = refresher
        self.logger = logger
    }

    /// After this node renewed its certificate: held connections present the old one,
    /// which peers refuse once they see the new roster, so every peer is dialed again
    /// now with the new one (and gets new data keys from that session).
    func afterRenewal() async {
        await pool.closeAll()
        await round(timeout: timeout)
    }

    /// A held connection is re-dialed once its session is this old: a ping round before the rekey interval ends,
    /// so the new keys are in place before the old ones are refused.
    var sessionMaxAge: TimeAmount? {
        guard let rekey = dataKeys?.plane.configuration.rekeyAfter else { return nil }
        return .nanoseconds(Int64(max(0.5, rekey - interval) * 1e9))
    }

    func run() async {
        defer { liveness.retire(Self.loopName) }
        while !Task.isCancelled {
            let started = NIODeadline.now()
            // Every exchange of the round is bounded by this timeout; the round ends within it.
            let timeout = self.timeout
            liveness.stamp(Self.loopName, nextWithin: timeout)
            await round(timeout: timeout)
            let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            let pause = max(0.01, interval - elapsed)
            liveness.stamp(Self.loopName, nextWithin: pause)
            do { try await Task.sleep(nanoseconds: UInt64(pause * 1e9)) } catch { return }
        }
    }

    /// Peers to PING now rather than at the next round: the roster poller hands over those that
    /// joined or moved, so `overlayctl peers` shows them up within a roster poll, not a ping interval.
    func pingSoon(_ names: [String]) {
        guard !names.isEmpty else { return }
        outOfTurn.continuation.yield(names)
    }

    /// Runs beside `run` for the node's life: PINGs each batch `pingSoon` hands over, at once.
    func runOutOfTurn() async {
        for await names in outOfTurn.stream {
            await ping(Set(names), timeout: timeout)
        }
    }

    /// PINGs the peers in `names` that are on the current roster, concurrently, each within `timeout`.
    func ping(_ names: Set<String>, timeout: TimeInterval) async {
        let targets = book.sync(with: Array(roster.snapshot.entries.values), selfName: name).filter { names.contains($0.name) }
        guard !targets.isEmpty else { return }
        logger.debug("PINGing peers that joined or moved at once", metadata: [
            "event": "ping-out-of-turn", "peers": "\(targets.map(\.name).joined(separator: ","))"])
        await withTaskGroup(of: Void.self) { group in
            for entry in targets {
                group.addTask { await self.exchange(with: entry, timeout: timeout) }
            }
        }
    }

    /// One round over the current roster, each exchange bounded by `timeout`.
    func round(timeout: TimeInterval) async {
        let targets = book.sync(with: Array(roster.snapshot.entries.values), selfName: name)
        pool.prune(keeping: Set(targets.map(\.name)))
        await withTaskGroup(of: Void.self) { group in
            for entry in targets {
                group.addTask { await self.exchange(with: entry, timeout: timeout) }
            }
        }
    }

    /// One PING/PONG with `entry`, recorded in the book and logged as one
    /// entry (`event=pong` or `event=ping-failed`, see docs/operations.md),
    /// plus `peer-up`/`peer-down` when the peer's state changes.
    /// An exchange with an entry already in flight (a round's and an out-of-turn one) is not started
    /// twice: the one under way records the result.
    func exchange(with listed: RosterEntry, timeout: TimeInterval) async {
        guard inFlight.withLockedValue({ $0.insert(listed).inserted }) else { return }
        defer { _ = inFlight.withLockedValue { $0.remove(listed) } }
        var entry = listed
        let seq = nextSequence()
        var before = PeerHealth.State.unknown
        metrics.exchangeStarted()
        do {
            let receipt: PongReceipt
            (receipt, entry) = try await pingFollowingRenewal(entry, seq: seq, timeout: timeout)
            metrics.pong(peer: entry.name, rttMilliseconds: receipt.rttMilliseconds)
            let current = book.record(entry.name, fingerprint: entry.fingerprint, endpoint: entry.endpoint) {
                before = $0.state; $0.pong(rttMs: receipt.rttMilliseconds, at: Date())
            }
            let rttUsec = Int((receipt.rttMilliseconds * 1000).rounded())
            logger.info("PONG from \(entry.name) in \(String(format: "%.3f", receipt.rttMilliseconds)) ms", metadata: [
                "event": "pong", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)", "seq": "\(seq)", "rtt_usec": "\(rttUsec)"])
            if current, before != .up {
                logger.notice("peer \(entry.name) is up", metadata: ["event": "peer-up", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)"])
            }
        } catch {
            metrics.failed(error)
            // Against an endpoint or certificate the roster has since replaced, a failure says nothing about the peer now.
            let current = book.record(entry.name, fingerprint: entry.fingerprint, endpoint: entry.endpoint) {
                before = $0.state; $0.miss(error.description)
            }
            logger.warning("PING to \(entry.name) failed: \(error)", metadata: [
                "event": "ping-failed", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)", "seq": "\(seq)", "error": "\(error)"])
            if current, before != .down {
                logger.warning("peer \(entry.name) is down", metadata: ["event": "peer-down", "peer": "\(entry.name)", "error": "\(error)"])
            }
        }
    }

    /// `pingOnce`, and when the peer's certificate is not the one listed, the same again
    /// with the certificate the controller lists now, if that is another (the peer renewed
    /// since the last poll), within the same timeout. Returns the entry that answered.
    func pingFollowingRenewal(_ entry: RosterEntry, seq: UInt64, timeout: TimeInterval) async throws(PingError)
        -> (PongReceipt, RosterEntry) {
        let started = NIODeadline.now()
        do {
            return (try await pingOnce(entry, seq: seq, timeout: timeout), entry)
        } catch {
            guard case .certificateRejected = error, let refresher else { throw error }
            await refresher.refresh()
            guard let fresh = roster.entry(named: entry.name), fresh.fingerprint != entry.fingerprint else { throw error }
            _ = book.sync(with: Array(roster.snapshot.entries.values), selfName: name)
            let left = timeout - Double((NIODeadline.now() - started).nanoseconds) / 1e9
            guard left > 0.001 else { throw error }
            return (try await pingOnce(fresh, seq: seq, timeout: left), fresh)
        }
    }

    /// One exchange, connect and handshake included, finished within `timeout`.
    func pingOnce(_ entry: RosterEntry, seq: UInt64, timeout: TimeInterval) async throws(PingError) -> PongReceipt {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
        func remaining() -> TimeAmount { max(.milliseconds(1), deadline - .now()) }
        switch mode {
        case .perRound:
            let connection = try await dial(entry, deadline: deadline)
            defer { Task { await connection.close() } }
            return try await connection.ping(seq: seq, timeout: remaining())
        case .persistent:
            let connection: PeerConnection
            if let held = pool.reusable(for: entry, maxAge: sessionMaxAge) {
                connection = held
            } else {
                connection = try await dial(entry, deadline: deadline)
                pool.keep(connection, for: entry)
            }
            do {
                return try await connection.ping(seq: seq, timeout: remaining())
            } catch {
                pool.drop(entry.name, connection)
                throw error
            }
        }
    }

    private func dial(_ entry: RosterEntry, deadline: NIODeadline) async throws(PingError) -> PeerConnection {
        dialed.increment()
        return try await PeerConnection.connect(to: entry, context: context.current, group: group, deadline: deadline, dataKeys: dataKeys)
    }

    /// Closes every held peer connection (shutdown).
    func closeConnections() async { await pool.closeAll() }

    /// `count` PINGs over one connection, for `overlayctl ping`.
    func pingSeries(_ entry: RosterEntry, count: Int) async -> [PingResult] {
        // Read once: a reload during the series must not change what a timeout is.
        let timeout = self.timeout
        let budget = TimeAmount.nanoseconds(Int64(timeout * 1e9))
        let connection: PeerConnection
        do {
            connection = try await dial(entry, deadline: .now() + budget)
        } catch {
            return [PingResult(seq: nextSequence(), rttMs: nil, error: error.description)]
        }
        var results: [PingResult] = []
        for _ in 0..<count {
            let seq = nextSequence()
            do {
                let receipt = try await connection.ping(seq: seq, timeout: budget)
                results.append(PingResult(seq: seq, rttMs: receipt.rttMilliseconds, error: nil))
                book.record(entry.name, fingerprint: entry.fingerprint) { $0.pong(rttMs: receipt.rttMilliseconds, at: Date()) }
            } catch {
                results.append(PingResult(seq: seq, rttMs: nil, error: error.description))
                // A lost PONG ends only that PING; anything else ends the series.
                guard case .timeout = error else { break }
            }
        }
        await connection.close()
        return results
    }

    private func nextSequence() -> UInt64 {
        sequence.withLockedValue { $0 += 1; return $0 }
    }
}
