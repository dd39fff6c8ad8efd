import Foundation
import NIOCore
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// N node identities enrolled with a real controller, each holding its own
/// keep-alive mutual-TLS connection after a first roster poll: what the
/// `controller` and `mesh` benchmarks start from. Enrollment and the first
/// polls are measured and printed on the way.
struct BenchFleet {
    struct Identity: Sendable {
        var name: String
        var key: PrivateKey
        var csr: CertificateSigningRequest
        var certificate: Certificate?
    }

    let names: [String]
    let connections: [HTTPClientConnection]
    let control: HTTPClientConnection

    static func enroll(nodes: Int, concurrency: Int, controller: ControllerProcess) async throws -> BenchFleet {
        let group = MultiThreadedEventLoopGroup.singleton
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
        reportPhase("enrollments (new TLS connection + nonce + enroll each)", count: nodes, seconds: (ContinuousClock.now - clock).seconds,
                    latencies: certificates.map(\.2), controllerCPU: controller.cpuSeconds - cpu0)
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
        reportPhase("first roster polls (mutual-TLS handshake + heartbeat + roster)", count: nodes,
                    seconds: (ContinuousClock.now - clock).seconds, latencies: firstPolls.map(\.2), controllerCPU: controller.cpuSeconds - cpu1)
        for (i, conn, _) in firstPolls { connections[i] = conn }
        return BenchFleet(names: identities.map(\.name), connections: connections.map { $0! }, control: control)
    }

    func close() async {
        for c in connections { await c.close() }
        await control.close()
    }
}

/// One measured phase: rate, latency percentiles, controller CPU.
func reportPhase(_ title: String, count: Int, seconds: Double, latencies: [Double], controllerCPU: Double, extra: String = "") {
    let sorted = latencies.sorted()
    func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
    print(String(format: "  %@\n    %d in %.2f s = %.0f /s; latency p50 %.2f ms, p99 %.2f ms; controller CPU %.2f s (%.0f µs per request)%@",
                 title, count, seconds, Double(count) / seconds, pct(0.5), pct(0.99), controllerCPU,
                 controllerCPU / Double(max(count, 1)) * 1e6, extra.isEmpty ? "" : "; \(extra)"))
}
