import CoreMetrics
import OverlayCore
import OverlayProtocol

/// The node's certificate lifecycle as gauges, so an alert can fire on a renewal
/// that keeps failing (`renewal_failures > 0`) days before `expiry_seconds` reaches 0.
/// docs/metrics.md describes each family.
struct CertificateMetrics: Sendable {
    static let expiry = "overlayd_node_certificate_expiry_seconds"
    static let renewals = "overlayd_node_certificate_renewals"
    static let failures = "overlayd_node_certificate_renewal_failures"

    static let definitions: [MetricDefinition] = [
        .init(expiry, .gauge, help: "Seconds until the node's certificate expires (negative once expired)."),
        .init(renewals, .gauge, help: "Certificate renewals since the node started."),
        .init(failures, .gauge, help: "Failed renewal attempts since the last success (0 when renewal is healthy)."),
    ]

    func refresh(_ status: CertificateStatus) {
        _ = MetricsBootstrap.registry
        Gauge(label: Self.expiry).record(status.notAfter.timeIntervalSinceNow)
        Gauge(label: Self.renewals).record(status.renewals)
        Gauge(label: Self.failures).record(status.failures)
    }
}
