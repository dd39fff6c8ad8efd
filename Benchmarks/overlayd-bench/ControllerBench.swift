import Foundation
import NIOCore
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Issue 4's numbers: N enrollments against one real controller, then roster
/// polls from N distinct node identities over N keep-alive mutual-TLS
/// connections: the first poll of each (TLS handshake + heartbeat + full
/// roster), steady-state "unchanged" polls, and polls that fetch the full
/// N-entry roster.
struct ControllerBench {
    var nodes = 1000
    var concurrency = 16
    var pollRounds = 5

    init(parsing arguments: [String]) throws {
        for (flag, value) in try BenchArguments.numeric(arguments, minimum: 1, needs: "a positive number") {
            switch flag {
            case "--nodes": nodes = value
            case "--concurrency": concurrency = value
            case "--poll-rounds": pollRounds = value
            default: throw UsageError(message: "unknown option \(flag) for 'controller'")
            }
        }
    }

    func run() async throws {
        let controller = try ControllerProcess(activeTimeout: "10m")
        defer { controller.stop() }
        try await controller.waitReady()
        print("controller benchmark: \(nodes) nodes, \(concurrency) concurrent clients, \(ProcessInfo.processInfo.activeProcessorCount) cores, client and controller on the same machine")
        let fleet = try await BenchFleet.enroll(nodes: nodes, concurrency: concurrency, controller: controller)
        let control = fleet.control
        let conns = fleet.connections

        let status = try await control.json(.GET, "/v1/status", as: ControllerStatus.self)
        let version = status.rosterVersion
        print("  roster now: \(status.activeNodes) active of \(status.registeredNodes) registered, version \(version)")

        // Steady state: every node already has the current version.
        try await pollPhase("unchanged roster polls (keep-alive, no handshake)", conns: conns, knownVersion: version,
                            controller: controller, expectUnchanged: true)
        // Worst case: every poll fetches the full roster.
        try await pollPhase("changed roster polls (full \(status.activeNodes)-entry roster each)", conns: conns, knownVersion: "stale",
                            controller: controller, expectUnchanged: false)
        print("  controller RSS after the run: \(String(format: "%.1f", controller.rssMiB)) MiB")
        await fleet.close()
    }

    private func pollPhase(_ title: String, conns: [HTTPClientConnection], knownVersion: String, controller: ControllerProcess,
                           expectUnchanged: Bool) async throws {
        let cpu = controller.cpuSeconds
        let clock = ContinuousClock.now
        let bytes = try await forEachConcurrently(Array(0..<(conns.count * pollRounds)), concurrency: concurrency) { n -> (Double, Int) in
            let conn = conns[n % conns.count]
            let started = ContinuousClock.now
            let body = OverlayJSON.encode(RosterRequest(knownVersion: knownVersion, advertise: "127.0.0.1:\(10000 + n % conns.count)", listenPort: nil))
            let response = try await conn.request(.POST, "/v1/roster", body: body)
            let reply = try OverlayJSONBridge.decodeReply(response, as: RosterResponse.self)
            guard reply.unchanged == expectUnchanged else { throw BenchError("expected unchanged=\(expectUnchanged), got \(reply.unchanged)") }
            return ((ContinuousClock.now - started).seconds, response.body.count)
        }
        reportPhase(title, count: bytes.count, seconds: (ContinuousClock.now - clock).seconds, latencies: bytes.map(\.0),
               controllerCPU: controller.cpuSeconds - cpu, extra: "response \(bytes.first?.1 ?? 0) bytes")
    }
}

/// Runs `body` over `items` with at most `concurrency` in flight; results in completion order.
func forEachConcurrently<Item: Sendable, Result: Sendable>(_ items: some Collection<Item>, concurrency: Int,
                                                            _ body: @escaping @Sendable (Item) async throws -> Result) async throws -> [Result] {
    try await withThrowingTaskGroup(of: Result.self) { group in
        var iterator = items.makeIterator()
        var results: [Result] = []
        for _ in 0..<concurrency { if let item = iterator.next() { group.addTask { try await body(item) } } }
        while let result = try await group.next() {
            results.append(result)
            if let item = iterator.next() { group.addTask { try await body(item) } }
        }
        return results
    }
}
