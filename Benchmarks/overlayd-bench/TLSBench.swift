import Foundation

/// The TLS handler against OpenSSL's own tools, on this machine, in this run.
/// Every measurement is repeated and reported as min / median / max; the
/// handler and its baseline alternate so drift hits both alike.
struct TLSBench {
    let options: TLSBenchOptions

    func run() async throws {
        let identities = try BenchIdentities()
        defer { identities.remove() }
        let handler = HandlerBench(identities: identities)
        let openssl = OpenSSLBaselines(identities: identities)
        let mib = Double(options.bulkBytes) / 1_048_576

        emit("overlayd-bench tls: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(OpenSSLBaselines.version), "
              + "\(options.repetitions) runs each, figures min / median / max")
        emit("TLS 1.3, TLS_AES_256_GCM_SHA384, X25519, ECDSA P-256 certificates, mutual authentication, 127.0.0.1")
        emit("")

        // Warm up both paths once (page faults, code loading), unmeasured.
        _ = try await handler.bulkToHandler(bytes: 16 << 20)
        _ = try await openssl.bulk(bytes: 16 << 20)

        emit("Bulk, \(options.bulkMiB) MiB one way per run (dial + handshake included)")
        var toHandler: [Double] = [], toSServer: [Double] = [], tools: [Double] = []
        for _ in 0..<options.repetitions {
            toHandler.append(mib / (try await handler.bulkToHandler(bytes: options.bulkBytes)))
            toSServer.append(mib / (try await handler.bulkToSServer(bytes: options.bulkBytes)))
            tools.append(mib / (try await openssl.bulk(bytes: options.bulkBytes)))
        }
        let ceiling = try await openssl.cipherCeiling(seconds: 2) / 1_048_576
        let bulkHandler = Summary(values: toHandler), bulkTools = Summary(values: tools)
        line("handler client → handler server", Summary(values: toHandler).formatted("MiB/s"))
        line("handler client → openssl s_server", Summary(values: toSServer).formatted("MiB/s"))
        line("openssl s_client → openssl s_server", Summary(values: tools).formatted("MiB/s"))
        line("AES-256-GCM on one core (openssl speed)", "\(Summary.format(ceiling, 0)) MiB/s")
        line("ratio handler→handler / s_client→s_server", ratio(bulkHandler, bulkTools))
        line("ratio handler→handler / handler→s_server", ratio(bulkHandler, Summary(values: toSServer)))
        emit("")

        emit("Full mutual-auth handshakes, a new TCP connection each, \(options.handshakeSeconds) s per run")
        var sequential: [Double] = [], concurrent: [Double] = [], sTime: [Double] = []
        for _ in 0..<options.repetitions {
            sequential.append(try await handler.handshakeRate(concurrency: 1, seconds: options.handshakeSeconds))
            concurrent.append(try await handler.handshakeRate(concurrency: options.concurrency, seconds: options.handshakeSeconds))
            sTime.append(try await openssl.handshakeRate(seconds: options.handshakeSeconds))
        }
        let handlerRate = Summary(values: sequential), toolRate = Summary(values: sTime)
        line("handler → handler, one at a time", handlerRate.formatted("/s"))
        line("handler → handler, \(options.concurrency) at a time", Summary(values: concurrent).formatted("/s"))
        line("openssl s_time -new → s_server (one at a time)", toolRate.formatted("/s"))
        line("ratio handler (one at a time) / s_time", ratio(handlerRate, toolRate))
        line("ratio handler (\(options.concurrency) at a time) / s_time", ratio(Summary(values: concurrent), toolRate))
    }

    /// One line at once, flushed, so a piped or logged run shows progress as it goes.
    private func emit(_ text: String) {
        print(text)
        fflush(nil)
    }

    private func line(_ label: String, _ value: String) {
        let padded = label.count < 48 ? label + String(repeating: " ", count: 48 - label.count) : label + " "
        emit("  " + padded + value)
    }

    private func ratio(_ a: Summary, _ b: Summary) -> String {
        guard b.median > 0 else { return "n/a" }
        return Summary.format(a.median / b.median, 2) + "× (medians)"
    }
}
