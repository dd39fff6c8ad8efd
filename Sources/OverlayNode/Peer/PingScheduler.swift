import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OverlayProtocol
import OverlayTLS

/// Flow 3: every `interval`, PING every other active node concurrently, each
/// exchange bounded by `timeout`, so one dead peer never delays the rest.
/// In `persistent` mode (the default) a verified connection per peer is kept
/// and reused; in `per-round` mode each round opens a fresh mutual-TLS
/// connection per peer. docs/benchmarks.md measures what each costs.
final class PingScheduler: Sendable {
    let name: String
    let roster: RosterCache
    let book: PeerHealthBook
    let context: TLSContext
    let group: any EventLoopGroup
    let timers: NodeTimers
    var interval: TimeInterval { timers.pingInterval }
    var timeout: TimeInterval { timers.pingTimeout }
    let logger: Logger
    let mode: PeerConnectionMode
    private let pool = PeerConnectionPool()
    let dialed = EventCounter()
    let metrics = NodeMetrics()
    private let sequence = NIOLockedValueBox<UInt64>(0)

    init(name: String, roster: RosterCache, book: PeerHealthBook, context: TLSContext, group: any EventLoopGroup,
         timers: NodeTimers, mode: PeerConnectionMode, logger: Logger) {
        self.name = name; self.roster = roster; self.book = book; self.context = context; self.group = group
        self.timers = timers; self.mode = mode; self.logger = logger
    }

    func run() async {
        while !Task.isCancelled {
            let started = NIODeadline.now()
            await round()
            let elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            do { try await Task.sleep(nanoseconds: UInt64(max(0.01, interval - elapsed) * 1e9)) } catch { return }
        }
    }

    /// One round over the current roster.
    func round() async {
        let targets = book.sync(with: Array(roster.snapshot.entries.values), selfName: name)
        pool.prune(keeping: Set(targets.map(\.name)))
        await withTaskGroup(of: Void.self) { group in
            for entry in targets {
                group.addTask { await self.exchange(with: entry) }
            }
        }
    }

    /// One PING/PONG with `entry`, recorded in the book and logged as one
    /// entry (`event=pong` or `event=ping-failed`, see docs/operations.md),
    /// plus `peer-up`/`peer-down` when the peer's state changes.
    func exchange(with entry: RosterEntry) async {
        let seq = nextSequence()
        var before = PeerHealth.State.unknown
        metrics.exchangeStarted()
        do {
            let receipt = try await pingOnce(entry, seq: seq)
            metrics.pong(peer: entry.name, rttMilliseconds: receipt.rttMilliseconds)
            book.record(entry.name, fingerprint: entry.fingerprint) { before = $0.state; $0.pong(rttMs: receipt.rttMilliseconds, at: Date()) }
            let rttUsec = Int((receipt.rttMilliseconds * 1000).rounded())
            logger.info("PONG from \(entry.name) in \(String(format: "%.3f", receipt.rttMilliseconds)) ms", metadata: [
                "event": "pong", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)", "seq": "\(seq)", "rtt_usec": "\(rttUsec)"])
            if before != .up {
                logger.notice("peer \(entry.name) is up", metadata: ["event": "peer-up", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)"])
            }
        } catch {
            metrics.failed(error)
            book.record(entry.name, fingerprint: entry.fingerprint) { before = $0.state; $0.miss(error.description) }
            logger.warning("PING to \(entry.name) failed: \(error)", metadata: [
                "event": "ping-failed", "peer": "\(entry.name)", "endpoint": "\(entry.endpoint)", "seq": "\(seq)", "error": "\(error)"])
            if before != .down {
                logger.warning("peer \(entry.name) is down", metadata: ["event": "peer-down", "peer": "\(entry.name)", "error": "\(error)"])
            }
        }
    }

    /// One exchange, connect and handshake included, finished within `timeout`.
    func pingOnce(_ entry: RosterEntry, seq: UInt64) async throws(PingError) -> PongReceipt {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1e9))
        func remaining() -> TimeAmount { max(.milliseconds(1), deadline - .now()) }
        switch mode {
        case .perRound:
            let connection = try await dial(entry, deadline: deadline)
            defer { Task { await connection.close() } }
            return try await connection.ping(seq: seq, timeout: remaining())
        case .persistent:
            let connection: PeerConnection
            if let held = pool.reusable(for: entry) {
                connection = held
            } else {
                connection = try await dial(entry, deadline: deadline)
                pool.keep(connection, for: entry)
            }
            do {
                return try await connection.ping(seq: seq, timeout: remaining())
            } catch {
                pool.drop(entry.name)
                throw error
            }
        }
    }

    private func dial(_ entry: RosterEntry, deadline: NIODeadline) async throws(PingError) -> PeerConnection {
        dialed.increment()
        return try await PeerConnection.connect(to: entry, context: context, group: group, deadline: deadline)
    }

    /// Closes every held peer connection (shutdown).
    func closeConnections() async { await pool.closeAll() }

    /// Peer connections currently held open (persistent mode).
    var heldConnections: Int { pool.count }

    /// `count` PINGs over one connection, for `overlayctl ping`.
    func pingSeries(_ entry: RosterEntry, count: Int) async -> [PingResult] {
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
                if error != .timeout(timeout) { break }
            }
        }
        await connection.close()
        return results
    }

    private func nextSequence() -> UInt64 {
        sequence.withLockedValue { $0 += 1; return $0 }
    }
}
