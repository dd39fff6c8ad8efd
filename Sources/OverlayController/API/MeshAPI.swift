import Foundation
import Logging
import OverlayHTTP
import OverlayProtocol

/// The mesh endpoints, shared by the TLS API and the control socket, and
/// the health-report half of `POST /v1/roster`.
enum MeshAPI {
    /// `GET /v1/mesh[?broken=1]`: the whole view, or the node summaries and only the pairs that are not up.
    static func view(_ request: HTTPRequest, mesh: MeshService) throws(HTTPResponse) -> HTTPResponse {
        let brokenOnly: Bool
        switch request.query["broken"] {
        case nil, "0", "false": brokenOnly = false
        case "", "1", "true": brokenOnly = true
        case let other?:
            throw .error(.badRequest, "invalid_query", "broken=\(other) is not one of 1, true, 0, false")
        }
        return .json(mesh.view(brokenOnly: brokenOnly))
    }

    static func ingest(_ report: HealthReport?, from node: String, rosterVersion: String, mesh: MeshService,
                       logger: Logger) throws(HTTPResponse) -> HealthReportReply {
        do throws(HealthReportError) {
            return try mesh.ingest(node: node, report: report, rosterVersion: rosterVersion)
        } catch {
            logger.warning("health report refused", metadata: ["node.name": "\(node)", "reason": "\(error)"])
            throw .error(.badRequest, error.code, error.description)
        }
    }
}
