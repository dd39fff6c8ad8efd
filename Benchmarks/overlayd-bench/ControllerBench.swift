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
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            guard i + 1 < arguments.count, let value = Int(arguments[i + 1]), value > 0 else {
                throw UsageError(message: "\(flag) needs a positive number")
            }
            switch flag {
            case "--nodes": nodes = value
            case "--concurrency": concurrency = value
            case "--poll-rounds": pollRounds = value
            default: throw UsageError(message: "unknown option \(flag) for 'controller'")
            }
            i += 2
        }
    }

    struct Identity: Sendable {
        var name: String
        var key: PrivateKey
        var csr: CertificateSigningRequest
        var certificate: Certificate?
    }

    func run() async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let controller = try ControllerProcess(binDirectory: bin, activeTimeout: "10m")
        defer { controller.stop() }
        try await controller.waitReady()
        let group = MultiThreadedEventLoopGroup.singleton
        print("controller benchmark: \(nodes) nodes, \(concurrency) concurrent clients, \(ProcessInfo.processInfo.activeProcessorCount) cores, client and controller on the same machine")

        let control = try await HTTPClientConnection.connect(unixSocket: controller.socket, group: group)
        let created = try await control.json(.POST, "/v1/tokens", body: TokenCreateRequest(ttlSeconds: 3600, uses: nodes, name: "bench"),
                                             as: TokenCreated.self)
        let token = try JoinToken(parsing: created.token)

        var clock = ContinuousClock.now
        var identities: [Identity] = []
        for i in 0..<nodes {
            let key = try PrivateKey.generate()
            identities.append(Identity(name: "bench-\(i)", key: key, csr: try CertificateSigningRequest(commonName: "bench-\(i)", key: key)))
        }
        print("  prepared \(nodes) keys and CSRs (client side, not counted) in \(String(format: "%.2f", (ContinuousClock.now - clock).seconds)) s")

        // Enrollment: one fresh TLS connection per node, as a real node does it once.
        let enrollContext = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .pinnedCAFingerprint(token.caFingerprint), clientAuthentication: .none))
        let cpu0 = controller.cpuSeconds
        clock = ContinuousClock.now
        let prepared = identities
        let certificates = try await forEachConcurrently(prepared.indices, concurrency: concurrency) { i -> (Int, String, Double, String) in
            let id = prepared[i]
            let started = ContinuousClock.now
            let conn = try await HTTPClientConnection.connect(host: "127.0.0.1", port: controller.port, group: group) { ch in
                try ch.pipeline.syncOperations.addHandler(TLSHandler(context: enrollContext, policy: .expectName("overlayd-controller")))
            }
            defer { Task { await conn.close() } }
            let nonce = try await conn.json(.POST, "/v1/enroll/nonce", as: NonceResponse.self)
            let proof = JoinProof.proof(verifier: JoinProof.verifier(secret: token.secretBytes), tokenID: token.id, nonce: nonce.nonce,
                                        name: id.name, requestedIP: nil, csrPEM: id.csr.pem)
            let reply = try await conn.json(.POST, "/v1/enroll", body: EnrollRequest(
                tokenID: token.id, nonce: nonce.nonce, name: id.name, requestedIP: nil, csr: id.csr.pem, proof: proof), as: EnrollResponse.self)
            return (i, reply.certificate, (ContinuousClock.now - started).seconds, reply.caCertificate)
        }
        let enrollSeconds = (ContinuousClock.now - clock).seconds
        let enrollCPU = controller.cpuSeconds - cpu0
        report("enrollments (new TLS connection + nonce + enroll each)", count: nodes, seconds: enrollSeconds,
               latencies: certificates.map(\.2), controllerCPU: enrollCPU)
        for (i, pem, _, _) in certificates { identities[i].certificate = try Certificate(pem: pem) }

        guard let caPEM = certificates.first?.3 else { throw BenchError("no enrollment succeeded") }
        let ca = try Certificate(pem: caPEM)

        // First poll per identity: mutual-TLS handshake + heartbeat + full roster.
        var connections = [HTTPClientConnection?](repeating: nil, count: nodes)
        let cpu1 = controller.cpuSeconds
        clock = ContinuousClock.now
        let enrolled = identities
        let firstPolls = try await forEachConcurrently(enrolled.indices, concurrency: concurrency) { i -> (Int, HTTPClientConnection, Double) in
            let id = enrolled[i]
            let started = ContinuousClock.now
            let context = try TLSContext(role: .client, configuration: .mutual(certificate: id.certificate!, key: id.key, ca: ca))
            let conn = try await HTTPClientConnection.connect(host: "127.0.0.1", port: controller.port, group: group) { ch in
                try ch.pipeline.syncOperations.addHandler(TLSHandler(context: context, policy: .expectName("overlayd-controller")))
            }
            _ = try await conn.json(.POST, "/v1/roster", body: RosterRequest(knownVersion: nil, advertise: "127.0.0.1:\(10000 + i)", listenPort: nil),
                                    as: RosterResponse.self)
            return (i, conn, (ContinuousClock.now - started).seconds)
        }
        report("first roster polls (mutual-TLS handshake + heartbeat + roster)", count: nodes,
               seconds: (ContinuousClock.now - clock).seconds, latencies: firstPolls.map(\.2), controllerCPU: controller.cpuSeconds - cpu1)
        for (i, conn, _) in firstPolls { connections[i] = conn }
        let conns = connections.map { $0! }

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
        for c in conns { await c.close() }
        await control.close()
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
        report(title, count: bytes.count, seconds: (ContinuousClock.now - clock).seconds, latencies: bytes.map(\.0),
               controllerCPU: controller.cpuSeconds - cpu, extra: "response \(bytes.first?.1 ?? 0) bytes")
    }

    private func report(_ title: String, count: Int, seconds: Double, latencies: [Double], controllerCPU: Double, extra: String = "") {
        let sorted = latencies.sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        print(String(format: "  %@\n    %d in %.2f s = %.0f /s; latency p50 %.2f ms, p99 %.2f ms; controller CPU %.2f s (%.0f µs per request)%@",
                     title, count, seconds, Double(count) / seconds, pct(0.5), pct(0.99), controllerCPU,
                     controllerCPU / Double(max(count, 1)) * 1e6, extra.isEmpty ? "" : "; \(extra)"))
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
