import CoreMetrics
import Prometheus

/// The process's one metrics backend. swift-metrics may be bootstrapped only
/// once per process, so the first daemon to ask does it and every later
/// caller gets the same registry; code anywhere then records through the
/// plain swift-metrics API (`Counter(label:dimensions:)`, …).
public enum MetricsBootstrap {
    /// Histogram buckets for latencies on a LAN or a loopback test (sub-millisecond) up to a slow WAN.
    public static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// The registry the swift-metrics factory writes into; bootstraps on first use.
    public static var registry: PrometheusCollectorRegistry { bootstrapped }

    private static let bootstrapped: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
