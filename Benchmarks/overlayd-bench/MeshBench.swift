import Foundation
import NIOCore
import OverlayCore
import OverlayProtocol

/// Issue 7's numbers: N simulated nodes (real identities, one keep-alive
/// mutual-TLS connection each) report health for all their peers to a real
/// controller: a full report over several polls (the 256-entry cap), then
/// quiet polls and polls with small deltas, with a few asymmetric broken
/// pairs. Measures the controller's RSS and CPU for the matrix, and the time
/// and size of `/v1/mesh?broken=1` and of the full `/v1/mesh`.
struct MeshBench {
    var nodes = 1000
    var concurrency = 16
    var broken = 5
    var deltaRounds = 3

    init(parsing arguments: [String]) throws {
        for (flag, value) in try BenchArguments.numeric(arguments, minimum: 0, needs: "a number") {
            switch flag {
            case "--nodes" where value >= 2: nodes = value
            case "--concurrency" where value >= 1: concurrency = value
            case "--broken": broken = value
            case "--delta-rounds": deltaRounds = value
            default: throw UsageError(message: "unknown option or bad value \(flag) \(value) for 'mesh'")
            }
        }
    }

    func run() async throws {
        let controller = try ControllerProcess(activeTimeout: "30m")
        defer { controller.stop() }
        try await controller.waitReady()
        print("mesh benchmark: \(nodes) nodes (\(nodes * (nodes - 1)) ordered pairs), \(broken) broken pairs, \(concurrency) concurrent clients, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, client and controller on the same machine")
        let fleet = try await BenchFleet.enroll(nodes: nodes, concurrency: concurrency, controller: controller)
        let names = fleet.names
        let version = try await fleet.control.json(.GET, "/v1/status", as: ControllerStatus.self).rosterVersion
        let rss0 = controller.rssMiB
        print(String(format: "  controller RSS with %d active nodes, before any health report: %.1f MiB", nodes, rss0))

        // A few one-way failures: from → to down, to → from up.
        let brokenPairs = Set((0..<broken).map { k in [(k * 7) % nodes, (k * 7 + 3) % nodes] }.filter { $0[0] != $0[1] })
        let n = nodes
        @Sendable func entries(of i: Int, _ peers: ArraySlice<Int>) -> [HealthReportEntry] {
            peers.map { j in
                brokenPairs.contains([i, j])
                    ? HealthReportEntry(peer: names[j], state: .down, rttMs: nil, forSeconds: 42, error: "timeout: no PONG within 5000ms")
                    : HealthReportEntry(peer: names[j], state: .up, rttMs: 0.2 + Double((i * 31 + j * 17) % 480) / 100, forSeconds: 600, error: nil)
            }
        }

        // Full reports: every node's N-1 peers in parts of at most 256 entries, one part per poll.
        let parts = (nodes - 1 + HealthReport.maxEntries - 1) / HealthReport.maxEntries
        var seq = [UInt64](repeating: 0, count: nodes)
        let cpuFull = controller.cpuSeconds
        var clock = ContinuousClock.now
        var latencies: [Double] = []
        var requestBytes: [Int] = []
        for part in 0..<parts {
            let results = try await forEachConcurrently(0..<n, concurrency: concurrency) { i -> (Double, Int) in
                let peers = Array((0..<n).filter { $0 != i })
                let slice = peers[(part * HealthReport.maxEntries)..<min(peers.count, (part + 1) * HealthReport.maxEntries)]
                return try await poll(fleet.connections[i], index: i, version: version,
                                      report: HealthReport(seq: UInt64(part + 1), full: true, entries: entries(of: i, slice)))
            }
            latencies += results.map(\.0)
            requestBytes += results.map(\.1)
        }
        for i in 0..<n { seq[i] = UInt64(parts) }
        let fullSeconds = (ContinuousClock.now - clock).seconds
        reportPhase("full health reports (\(parts) polls per node, ≤ \(HealthReport.maxEntries) entries each)", count: latencies.count,
                    seconds: fullSeconds, latencies: latencies, controllerCPU: controller.cpuSeconds - cpuFull,
                    extra: "request ≤ \(requestBytes.max() ?? 0) bytes")
        let rss1 = controller.rssMiB
        print(String(format: "  controller RSS with the full matrix: %.1f MiB (+%.1f MiB for %d pairs)", rss1, rss1 - rss0, nodes * (nodes - 1)))

        // Steady state: no change, no report.
        let cpuQuiet = controller.cpuSeconds
        clock = ContinuousClock.now
        let quiet = try await forEachConcurrently(0..<n, concurrency: concurrency) { i in
            try await poll(fleet.connections[i], index: i, version: version, report: nil)
        }
        reportPhase("quiet polls (no report: nothing changed)", count: quiet.count, seconds: (ContinuousClock.now - clock).seconds,
                    latencies: quiet.map(\.0), controllerCPU: controller.cpuSeconds - cpuQuiet, extra: "request \(quiet.first?.1 ?? 0) bytes")

        // Deltas: two peers' RTT moved on every node, every poll.
        let cpuDelta = controller.cpuSeconds
        clock = ContinuousClock.now
        var deltaLatencies: [Double] = []
        var deltaBytes = 0
        for round in 0..<deltaRounds {
            let s = seq
            let results = try await forEachConcurrently(0..<n, concurrency: concurrency) { i -> (Double, Int) in
                let peers = [(i + 1 + round) % n, (i + 2 + round) % n].filter { $0 != i && !brokenPairs.contains([i, $0]) }
                let moved = peers.map { HealthReportEntry(peer: names[$0], state: .up, rttMs: 9.5, forSeconds: 700, error: nil) }
                return try await poll(fleet.connections[i], index: i, version: version,
                                      report: HealthReport(seq: s[i] + 1, full: false, entries: moved))
            }
            for i in 0..<n { seq[i] += 1 }
            deltaLatencies += results.map(\.0)
            deltaBytes = results.first?.1 ?? 0
        }
        if deltaRounds > 0 {
            reportPhase("delta polls (2 RTT moves each)", count: deltaLatencies.count, seconds: (ContinuousClock.now - clock).seconds,
                        latencies: deltaLatencies, controllerCPU: controller.cpuSeconds - cpuDelta, extra: "request \(deltaBytes) bytes")
        }
        print(String(format: "  controller RSS after the deltas: %.1f MiB", controller.rssMiB))

        // The views, from the control socket.
        let brokenView = try await measureView(fleet.control, "/v1/mesh?broken=1", controller: controller)
        let down = Set(brokenView.pairs.filter { $0.state == .down }.map { [$0.from, $0.to] })
        let expected = Set(brokenPairs.map { [names[$0[0]], names[$0[1]]] })
        guard down == expected, brokenView.pairs.allSatisfy(\.asymmetric), brokenView.nodes.count == nodes else {
            throw BenchError("the broken view does not show exactly the \(expected.count) broken pairs: \(brokenView.pairs.count) pairs")
        }
        let fullView = try await measureView(fleet.control, "/v1/mesh", controller: controller)
        guard fullView.pairs.count == nodes * (nodes - 1) else { throw BenchError("full view has \(fullView.pairs.count) pairs") }
        print(String(format: "  controller RSS after the views: %.1f MiB (peak %.1f MiB)", controller.rssMiB, controller.peakRSSMiB))
        await fleet.close()
    }

    /// One roster poll carrying `report`; checks the acknowledgement.
    private func poll(_ conn: HTTPClientConnection, index: Int, version: String, report: HealthReport?) async throws -> (Double, Int) {
        let started = ContinuousClock.now
        let body = OverlayJSON.encode(RosterRequest(knownVersion: version, advertise: "127.0.0.1:\(10000 + index)", listenPort: nil, health: report))
        let response = try await conn.request(.POST, "/v1/roster", body: body)
        let reply = try OverlayJSONBridge.decodeReply(response, as: RosterResponse.self)
        guard let health = reply.health else { throw BenchError("the controller answered without a health reply") }
        if let report, health.ack != report.seq || health.sendFull {
            throw BenchError("report \(report.seq) from node \(index): ack \(health.ack.map(String.init) ?? "none"), sendFull \(health.sendFull)")
        }
        return ((ContinuousClock.now - started).seconds, body.count)
    }

    private func measureView(_ control: HTTPClientConnection, _ path: String, controller: ControllerProcess) async throws -> MeshView {
        var times: [Double] = []
        var size = 0
        var view: MeshView?
        let cpu = controller.cpuSeconds
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let response = try await control.request(.GET, path)
            times.append((ContinuousClock.now - started).seconds)
            size = response.body.count
            if view == nil { view = try OverlayJSONBridge.decodeReply(response, as: MeshView.self) }
        }
        let summary = Summary(values: times.map { $0 * 1000 })
        print(String(format: "  GET %@ (control socket): %@ (min / median / max of 3), %.1f KiB (%d pairs, %d node summaries), controller CPU %.2f s per request",
                     path, summary.formatted("ms", decimals: 1), Double(size) / 1024, view?.pairs.count ?? 0, view?.nodes.count ?? 0,
                     (controller.cpuSeconds - cpu) / 3))
        return view!
    }
}
