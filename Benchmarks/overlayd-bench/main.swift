import Foundation

// overlayd-bench: measurements, not tests. With no argument it runs every
// benchmark there is; a subcommand runs one group.

let usage = """
    usage: overlayd-bench [tls|controller|mesh] [options]

      tls         the TLS handler against OpenSSL's own tools on this machine:
                  bulk throughput and full mutual-auth handshakes per second
      controller  the real overlayd-controller (release build next to this binary):
                  N enrollments, then roster polls from N distinct node identities
      mesh        the real overlayd-controller with N simulated nodes reporting peer health:
                  full reports, quiet and delta polls, a few broken pairs; controller RSS
                  and CPU for the matrix, time and size of /v1/mesh?broken=1 and /v1/mesh
      (no subcommand: tls and controller, with their defaults)

    The data plane is measured by Benchmarks/dataplane.sh (root; network namespaces):
      make bench BENCH_ARGS="dataplane [--runs N] [--time S] [--only veth,ceiling,wireguard-go,nebula,overlayd]"

    tls options:
      --repetitions N        runs of each measurement, reported min / median / max (default 3)
      --bulk-mib N           MiB sent one way per bulk run (default 512)
      --handshake-seconds N  length of each handshake-rate window (default 3)

    controller options:
      --nodes N              node identities to enroll and poll with (default 1000)
      --concurrency N        requests in flight at once (default 16)
      --poll-rounds N        polls per identity in each steady-state phase (default 5)

    mesh options:
      --nodes N              simulated nodes (default 1000)
      --concurrency N        requests in flight at once (default 16)
      --broken N             one-way broken pairs (default 5)
      --delta-rounds N       polls per node carrying small deltas (default 3)
    """

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains(where: { $0 == "-h" || $0 == "--help" || $0 == "help" }) {
    print(usage)
    exit(0)
}
do {
    switch arguments.first {
    case "tls":
        try await TLSBench(options: TLSBenchOptions(parsing: Array(arguments.dropFirst()))).run()
    case "controller":
        try await ControllerBench(parsing: Array(arguments.dropFirst())).run()
    case "mesh":
        try await MeshBench(parsing: Array(arguments.dropFirst())).run()
    case nil:
        try await TLSBench(options: TLSBenchOptions(parsing: [])).run()
        print("")
        try await ControllerBench(parsing: []).run()
    default:
        throw UsageError(message: "unknown benchmark '\(arguments[0])'")
    }
} catch let error as UsageError {
    FileHandle.standardError.write(Data("overlayd-bench: \(error.message)\n\n\(usage)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("overlayd-bench: \(error)\n".utf8))
    exit(1)
}
