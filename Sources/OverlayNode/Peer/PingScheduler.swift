import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OverlayProtocol
import OverlayTLS

/// Flow 3: every `interval`, PING every other active node concurrently, each
/// exchange bounded by `timeout`, so one dead peer never delays the rest.
/// Each round opens a fresh mutual-TLS connection per peer: the peer's
/// certificate and roster membership are proven anew every round, and an idle
/// node holds no sockets (docs/benchmarks.md measures what that costs).
final class PingScheduler: Sendable {
    let name: String
    let roster: RosterCache
    let book: PeerHealthBook
    let context: TLSContext
    let group: any EventLoopGroup
    let interval: TimeInterval
    let timeout: TimeInterval
    let logger: Logger
    private let sequence = NIOLockedValueBox<UInt64>(0)

    init(name: String, roster: RosterCache, book: PeerHealthBook, context: TLSContext, group: any EventLoopGroup,
         interval: TimeInterval, timeout: TimeInterval, logger: Logger) {
        self.name = name; self.roster = roster; self.book = book; self.context = context; self.group = group
        self.interval = interval; self.timeout = timeout; self.logger = logger
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
        await withTaskGroup(of: Void.self) { group in
            for entry in targets {
                group.addTask { await self.exchange(with: entry) }
            }
        }
    }

    /// One PING/PONG with `entry`, recorded in the book and logged as one line.
    func exchange(with entry: RosterEntry) async {
        let seq = nextSequence()
        do {
            let receipt = try await pingOnce(entry, seq: seq)
            book.record(entry.name, fingerprint: entry.fingerprint) { $0.pong(rttMs: receipt.rttMilliseconds, at: Date()) }
            logger.info("PONG", metadata: ["peer.name": "\(entry.name)", "peer.endpoint": "\(entry.endpoint)",
                                           "seq": "\(seq)", "rtt.ms": "\(String(format: "%.3f", receipt.rttMilliseconds))"])
        } catch {
            book.record(entry.name, fingerprint: entry.fingerprint) { $0.miss(error.description) }
            logger.warning("PING failed", metadata: ["peer.name": "\(entry.name)", "peer.endpoint": "\(entry.endpoint)",
                                                     "seq": "\(seq)", "reason": "\(error)"])
        }
    }

    func pingOnce(_ entry: RosterEntry, seq: UInt64) async throws(PingError) -> PongReceipt {
        let budget = TimeAmount.nanoseconds(Int64(timeout * 1e9))
        let connection = try await PeerConnection.connect(to: entry, context: context, group: group, timeout: budget)
        defer { Task { await connection.close() } }
        return try await connection.ping(seq: seq, timeout: budget)
    }

    /// `count` PINGs over one connection, for `overlayctl ping`.
    func pingSeries(_ entry: RosterEntry, count: Int) async -> [PingResult] {
        let budget = TimeAmount.nanoseconds(Int64(timeout * 1e9))
        let connection: PeerConnection
        do {
            connection = try await PeerConnection.connect(to: entry, context: context, group: group, timeout: budget)
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
