import Foundation
import OverlayProtocol
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    @Suite("metrics")
    struct MetricsTests {
        static let exposition = "text/plain; version=0.0.4; charset=utf-8"

        @Test("both daemons' /metrics, on the control socket and on --metrics-listen, pass promtool, and the counters move with enrollments and PINGs")
        func metricsPassPromtoolAndMove() async throws {
            let controllerPort = try freePort()
            var settings = ClusterSettings()
            settings.controllerArguments = ["--metrics-listen", "127.0.0.1:\(controllerPort)"]
            try await Cluster.with("metrics", settings: settings) { cluster in
                let controller = try await cluster.startController()
                let nodePort = try freePort()
                let alice = try await cluster.startNode("alice", extraArguments: ["--metrics-listen", "127.0.0.1:\(nodePort)"])
                let bob = try await cluster.startNode("bob")
                try await cluster.waitFullMesh([alice, bob])

                // The node: PONGs counted, an RTT series for its peer, the controller reachable.
                let nodeMetrics = try await eventually("alice's metrics count PONGs from bob") {
                    let m = try await Self.scrape(unixSocket: alice.socket)
                    guard let pongs = m.value("overlayd_node_pongs_received_total"), pongs > 0,
                          let rtt = m.value("overlayd_node_ping_rtt_seconds_count", ["peer": "bob"]), rtt > 0 else {
                        throw NotYet("no PONG counted yet: \(m.series("overlayd_node_pongs_received_total"))")
                    }
                    return m
                }
                #expect(try await nodeMetrics.promtoolProblems() == nil)
                #expect(nodeMetrics.value("overlayd_node_pings_sent_total") ?? 0 >= nodeMetrics.value("overlayd_node_pongs_received_total") ?? 0)
                #expect(nodeMetrics.value("overlayd_node_controller_reachable") == 1)
                #expect(nodeMetrics.value("overlayd_node_peers", ["state": "up"]) == 1)
                #expect(nodeMetrics.series("overlayd_node_ping_rtt_seconds_count").map { $0.labels["peer"] } == ["bob"],
                        "one RTT series per peer, labelled by name")
                let age = try #require(nodeMetrics.value("overlayd_node_roster_age_seconds"))
                #expect(age >= 0 && age < 30, "the roster is polled every second: \(age) s old")

                let nodeScrape = try await HTTPFetch.get("http://127.0.0.1:\(nodePort)/metrics")
                #expect(nodeScrape.status == 200 && nodeScrape.contentType == Self.exposition, "\(nodeScrape)")
                #expect(try await PrometheusText(nodeScrape.body).promtoolProblems() == nil)

                // The controller: two enrollments, roster requests of both answers, both nodes active. (A new peer
                // is PINGed as soon as the roster lists it, so the first PONG may come before any poll was answered
                // "unchanged": wait for one.)
                let controllerMetrics = try await eventually("the controller has answered a poll 'unchanged'") {
                    let m = try await Self.scrape(unixSocket: controller.socket)
                    guard m.value("overlayd_controller_roster_requests_total", ["answer": "unchanged"]) ?? 0 > 0 else {
                        throw NotYet("\(m.series("overlayd_controller_roster_requests_total"))")
                    }
                    return m
                }
                #expect(try await controllerMetrics.promtoolProblems() == nil)
                #expect(controllerMetrics.value("overlayd_controller_enrollments_total", ["result": "ok", "reason": "none"]) == 2)
                #expect(controllerMetrics.value("overlayd_controller_roster_requests_total", ["answer": "full"]) ?? 0 > 0)
                #expect(controllerMetrics.value("overlayd_controller_roster_requests_total", ["answer": "unchanged"]) ?? 0 > 0)
                #expect(controllerMetrics.value("overlayd_controller_nodes", ["state": "active"]) == 2)
                #expect(controllerMetrics.value("overlayd_controller_nodes", ["state": "registered"]) == 2)
                #expect(controllerMetrics.value("overlayd_controller_mesh_broken_pairs") == 0)
                let rosterTimings = controllerMetrics.value("overlayd_controller_request_duration_seconds_count",
                                                            ["listener": "api", "method": "POST", "route": "/v1/roster"])
                #expect(rosterTimings ?? 0 > 0, "roster requests are timed under their route pattern")

                // The nodes' health reports ride on their polls; the controller counts them.
                try await eventually("the controller counts full health reports with entries") {
                    let m = try await Self.scrape(unixSocket: controller.socket)
                    guard m.value("overlayd_controller_health_reports_total", ["kind": "full"]) ?? 0 >= 2,
                          m.value("overlayd_controller_health_report_entries_total") ?? 0 >= 2 else {
                        throw NotYet("\(m.series("overlayd_controller_health_reports_total")) \(m.series("overlayd_controller_health_report_entries_total"))")
                    }
                }

                let controllerScrape = try await HTTPFetch.get("http://127.0.0.1:\(controllerPort)/metrics")
                #expect(controllerScrape.status == 200 && controllerScrape.contentType == Self.exposition, "\(controllerScrape)")
                #expect(try await PrometheusText(controllerScrape.body).promtoolProblems() == nil)
                // The scrape listener serves /metrics and nothing else.
                for path in ["/", "/v1/status", "/v1/tokens", "/metrics/x"] {
                    let other = try await HTTPFetch.get("http://127.0.0.1:\(controllerPort)\(path)")
                    #expect(other.status == 404, "\(path) on the metrics listener: \(other)")
                }
            }
        }

        @Test("a refused enrollment increments the refused counter with its reason, and a node going down counts ping failures and a broken pair")
        func refusalsAndFailuresAreCounted() async throws {
            try await Cluster.with("metrics-refused") { cluster in
                let controller = try await cluster.startController()
                let token = try await cluster.token()
                let alice = try cluster.launchNode("alice", token: token)
                try await cluster.waitNodeReady(alice)
                // The same single-use token again: refused as used up.
                let second = try cluster.launchNode("bob", token: token)
                let exit = try await second.process.waitForExit()
                #expect(!exit.normalExit || exit.code != 0, "bob's enrollment with a used-up token fails")

                let m = try await Self.scrape(unixSocket: controller.socket)
                #expect(try await m.promtoolProblems() == nil)
                #expect(m.value("overlayd_controller_enrollments_total", ["result": "refused", "reason": "token_used_up"]) == 1, "\(m.series("overlayd_controller_enrollments_total"))")
                #expect(m.value("overlayd_controller_enrollments_total", ["result": "ok", "reason": "none"]) == 1)

                // Carol stops answering PINGs: alice counts failures, and the controller a broken pair.
                let carol = try await cluster.startNode("carol")
                try await cluster.waitFullMesh([alice, carol])
                carol.process.signal(SIGSTOP)
                defer { carol.process.signal(SIGCONT) }
                let failed = try await eventually("alice counts failed PINGs to carol", limit: 60) {
                    let m = try await Self.scrape(unixSocket: alice.socket)
                    let failures = m.series("overlayd_node_ping_failures_total").reduce(0) { $0 + $1.value }
                    guard failures > 0, m.value("overlayd_node_peers", ["state": "down"]) == 1 else {
                        throw NotYet("failures \(m.series("overlayd_node_ping_failures_total")), peers \(m.series("overlayd_node_peers"))")
                    }
                    return m
                }
                #expect(try await failed.promtoolProblems() == nil)
                let reasons = Set(failed.series("overlayd_node_ping_failures_total").compactMap { $0.labels["reason"] })
                #expect(reasons.isSubset(of: ["timeout", "connect_timeout", "closed", "tls"]), "a frozen peer times out: \(reasons)")
                try await eventually("the controller counts alice→carol as a broken pair", limit: 60) {
                    let m = try await Self.scrape(unixSocket: controller.socket)
                    guard m.value("overlayd_controller_mesh_broken_pairs") ?? 0 >= 1 else {
                        throw NotYet("\(m.series("overlayd_controller_mesh_broken_pairs"))")
                    }
                }
            }
        }

        /// `curl --unix-socket SOCKET http://localhost/metrics`, checked for the exposition content type.
        static func scrape(unixSocket: String) async throws -> PrometheusText {
            let fetched = try await HTTPFetch.get("http://localhost/metrics", unixSocket: unixSocket)
            guard fetched.status == 200, fetched.contentType == exposition else {
                throw NotYet("GET /metrics on \(unixSocket): \(fetched)")
            }
            return PrometheusText(fetched.body)
        }
    }
}
