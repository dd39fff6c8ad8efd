import Foundation
import Logging
import OverlayHTTP
import OverlayProtocol

/// The mesh endpoints, shared by the TLS API and the control socket, and
/// the health-report half of `POST /v1/roster`.
enum MeshAPI {
    /// `GET /v1/mesh[?broken=1]`: the whole view, or the node summaries and only the pairs that are not up.
    static func view(_ request: HTTPRequest, mesh: MeshService) throws(HTTPResponse) -> HTTPResponse {
        let brokenOnly = try brokenQuery(request) ?? false
        return HTTPResponse(status: .ok, headers: ["content-type": "application/json"], body: mesh.viewJSON(brokenOnly: brokenOnly))
    }

    /// `GET /v1/mesh` on the TLS API, for any enrolled node: the node summaries and only the pairs that
    /// are not up, whatever the query asks, at most `MeshView.brokenPairsMax` of them (the rest counted in
    /// `brokenPairsOmitted`). The whole mesh of a 1000-node network is about 80 MB, a partition half as
    /// much in broken pairs; both are served only on the control socket, to the operator.
    static func brokenView(_ request: HTTPRequest, mesh: MeshService) throws(HTTPResponse) -> HTTPResponse {
        if try brokenQuery(request) == false {
            throw .error(.badRequest, "whole_mesh_not_served",
                         "the TLS API serves only the pairs that are not up (drop broken=0); the whole mesh is on the controller's control socket: overlayctl mesh --json")
        }
        return HTTPResponse(status: .ok, headers: ["content-type": "application/json"], body: mesh.viewJSON(brokenOnly: true, brokenLimit: MeshView.brokenPairsMax))
    }

    private static func brokenQuery(_ request: HTTPRequest) throws(HTTPResponse) -> Bool? {
        switch request.query["broken"] {
        case nil: return nil
        case "0", "false": return false
        case "", "1", "true": return true
        case let other?:
            throw .error(.badRequest, "invalid_query", "broken=\(other) is not one of 1, true, 0, false")
        }
    }

    static func ingest(_ report: HealthReport?, from node: String, rosterVersion: String, mesh: MeshService,
                       logger: Logger) throws(HTTPResponse) -> HealthReportReply {
        do throws(HealthReportError) {
            return try mesh.ingest(node: node, report: report, rosterVersion: rosterVersion)
        } catch {
            logger.warning("health report refused", metadata: ["event": "health-report-refused", "node": "\(node)", "error": "\(error)"])
            throw .error(.badRequest, error.code, error.description)
        }
    }
}
