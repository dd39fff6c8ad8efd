import Foundation
import OverlayProtocol

/// The controller's mesh: takes the health reports that ride on roster
/// polls and serves the `MeshView` built from them. One per controller,
/// created by the daemon and shared by the TLS API (`/v1/roster`,
/// `/v1/mesh`), the control socket (`/v1/mesh`) and anything else that
/// reads the mesh (metrics, the status page): call `view(brokenOnly:)`,
/// or `viewJSON` for an answer that may be large.
public final class MeshService: Sendable {
    let matrix = MeshMatrix()
    let roster: Roster

    public init(roster: Roster) { self.roster = roster }

    /// Takes `report` from `node` (already authenticated and heartbeat-recorded) and answers it.
    func ingest(node: String, report: HealthReport?, rosterVersion: String, now: Date = Date()) throws(HealthReportError) -> HealthReportReply {
        let clean = try report.map { r throws(HealthReportError) in
            try HealthReportIngest.validated(r, from: node) { roster.isRegistered($0) || matrix.hasSeen($0) }
        }
        matrix.syncActive(version: rosterVersion) { roster.activeNames() }
        return matrix.ingest(reporter: node, report: clean, now: now)
    }

    /// The mesh between the nodes active now. `brokenOnly` keeps the node summaries but only
    /// the pairs that are not up, so a 1000-node network's answer is not a million pairs.
    public func view(brokenOnly: Bool = false, now: Date = Date()) -> MeshView {
        let (builder, version) = builder(now: now)
        return builder.build(rosterVersion: version, now: now, brokenOnly: brokenOnly)
    }

    /// The same view as JSON (what `/v1/mesh` serves), written pair by pair without holding the pairs;
    /// `brokenLimit` caps the pairs of a `brokenOnly` view (see `MeshView.brokenPairsOmitted`).
    public func viewJSON(brokenOnly: Bool = false, brokenLimit: Int? = nil, now: Date = Date()) -> [UInt8] {
        let (builder, version) = builder(now: now)
        return MeshViewJSON.encode(builder, rosterVersion: version, now: now, brokenOnly: brokenOnly, brokenLimit: brokenLimit)
    }

    func builder(now: Date = Date()) -> (MeshViewBuilder, String) {
        let version = roster.currentVersion()
        matrix.syncActive(version: version) { roster.activeNames() }
        let timing = roster.pollTiming()
        let active = roster.listing().filter(\.active).map { n in
            MeshViewBuilder.Node(name: n.name, overlayIP: n.overlayIP, lastSeen: timing[n.name]?.lastSeen, pollGap: timing[n.name]?.gap ?? nil)
        }
        return (MeshViewBuilder(snapshot: matrix.snapshot(), active: active, now: now), version)
    }

    /// Active nodes that have missed their polls (`not-reporting` in the view).
    public func silentNodes(now: Date = Date()) -> Set<String> {
        Set(roster.pollTiming().filter { MeshViewBuilder.isSilent(lastSeen: $0.value.lastSeen, gap: $0.value.gap, now: now) }.keys)
    }

    /// How many ordered pairs between active nodes are reported `down` now, by nodes still reporting (cheap: for metrics).
    public func downPairCount() -> Int {
        matrix.syncActive(version: roster.currentVersion()) { roster.activeNames() }
        return matrix.downPairCount(excludingReporters: silentNodes())
    }

    /// Health-report totals since the controller started.
    public var stats: MeshStats { matrix.counters }
}

/// Health-report totals since the controller started (for metrics).
public struct MeshStats: Sendable, Equatable {
    /// Roster requests that carried a report, of which full ones.
    public var reports = 0
    public var fullReports = 0
    /// Per-peer entries received.
    public var entries = 0
    /// Answers that asked a node for a full report (no baseline for it).
    public var fullReportRequests = 0
}
