import Testing

/// Every end-to-end test runs real daemons; on a 2-core machine they run one
/// after the other (`.serialized` applies to the nested suites in each file).
@Suite("overlayd end to end", .serialized)
struct EndToEnd {}
