struct TLSBenchOptions: Sendable {
    var repetitions = 3
    var bulkMiB = 512
    var handshakeSeconds = 3
    /// Dialers running at once in the handler's concurrent handshake run.
    var concurrency = 8

    init(parsing arguments: [String]) throws {
        for (flag, value) in try BenchArguments.numeric(arguments, minimum: 1, needs: "a positive whole number") {
            switch flag {
            case "--repetitions": repetitions = value
            case "--bulk-mib": bulkMiB = value
            case "--handshake-seconds": handshakeSeconds = value
            default: throw UsageError(message: "unknown argument \(flag)")
            }
        }
    }

    var bulkBytes: Int { bulkMiB << 20 }
}
