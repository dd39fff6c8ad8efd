@testable import OverlayCore
import Testing

@Suite struct MetricsExpositionTests {
    /// The registry emits families in hash order without help; the exposition sorts them and adds each one's help.
    @Test func addsHelpAndSortsFamilies() {
        let raw = """
        # TYPE b_total counter
        b_total{x="1"} 2
        b_total{x="2"} 3
        # TYPE a_seconds histogram
        a_seconds_bucket{le="+Inf"} 1
        a_seconds_sum 0.5
        a_seconds_count 1

        """
        let text = MetricsExposition.withHelp(raw, help: ["a_seconds": "How long \\ a.", "b_total": "Bs.\nTwo lines."])
        #expect(text == """
        # HELP a_seconds How long \\\\ a.
        # TYPE a_seconds histogram
        a_seconds_bucket{le="+Inf"} 1
        a_seconds_sum 0.5
        a_seconds_count 1
        # HELP b_total Bs. Two lines.
        # TYPE b_total counter
        b_total{x="1"} 2
        b_total{x="2"} 3

        """)
    }
}
