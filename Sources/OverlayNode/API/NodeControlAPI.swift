import Foundation
import NIOCore
import OverlayCore
import OverlayDataPlane
import OverlayHTTP
import OverlayProtocol

/// The node's control socket: peers and their health, status, ping now, renew now.
enum NodeControlAPI {
    struct Context: Sendable {
        var identity: NodeIdentity
        var listen: String
        var controller: String
        var roster: RosterCache
        var book: PeerHealthBook
        var scheduler: PingScheduler
        var listener: PeerListener
        var client: ControllerClient
        var reporter: HealthReporter
        var startedAt: Date
        var metrics: MetricsExposition
        var dataPlane: DataPlane?
        var names: NameService?
        var dnsSearch: Bool
        var renewer: CertificateRenewer
    }

    static func router(_ c: Context) -> HTTPRouter {
        var r = HTTPRouter()
        MetricsEndpoint.add(to: &r, c.metrics)
        r.on(.GET, "/v1/peers") { _, _ in .json(PeersResponse(peers: c.book.statuses().withData(c.dataPlane?.status()), domain: c.roster.snapshot.domain)) }
        r.on(.GET, "/v1/status") { _, _ in
            let snap = c.roster.snapshot
            let peers = c.book.statuses()
            var status = NodeStatus(name: c.identity.name, overlayIP: c.identity.overlayIP, network: c.identity.network,
                                    listen: c.listen, controller: c.controller, controllerReachable: snap.controllerReachable,
                                    lastRosterAt: snap.receivedAt, rosterVersion: snap.version,
                                    peers: peers.count, peersUp: peers.filter { $0.state == "up" }.count,
                                    peerConnections: c.scheduler.mode.rawValue, peerConnectionsDialed: c.scheduler.dialed.value,
                                    peerConnectionsAccepted: c.listener.accepted.value,
                                    controllerConnections: c.client.connectionCount, rosterPolls: snap.polls,
                                    startedAt: c.startedAt, uptimeSeconds: Date().timeIntervalSince(c.startedAt))
            status.addHealthReporting(c.reporter)
            let t = c.scheduler.timers.current
            status.timers = NodeTimerSettings(rosterIntervalSeconds: t.rosterInterval, pingIntervalSeconds: t.pingInterval,
                                              pingTimeoutSeconds: t.pingTimeout, reportRTTFloorSeconds: t.reportRTTFloor)
            if let plane = c.dataPlane { status.dataPlane = DataPlaneSummary(plane.status(), rekey: plane.configuration.rekeyAfter) }
            status.dns = c.names?.status(search: c.dnsSearch)
            status.certificate = c.renewer.status
            return .json(status)
        }
        r.on(.POST, "/v1/ping") { request, _ throws(HTTPResponse) in
            let body = try request.decode(PingRequest.self)
            guard (1...100).contains(body.count) else { throw .error(.badRequest, "invalid_count", "count must be 1–100") }
            guard body.name != c.identity.name else { throw .error(.badRequest, "self", "\(body.name) is this node") }
            guard let entry = c.roster.entry(named: body.name) else {
                throw .error(.notFound, "unknown_peer", "\(body.name) is not on this node's active roster; see 'overlayctl peers'")
            }
            let results = await c.scheduler.pingSeries(entry, count: body.count)
            return .json(PingResponse(name: entry.name, endpoint: entry.endpoint, results: results))
        }
        r.on(.POST, "/v1/certificate/renew") { _, _ throws(HTTPResponse) in
            switch await c.renewer.renewNow() {
            case .success(let status): return .json(status)
            case .failure(.busy): throw .error(.conflict, "renewal_in_progress", RenewalError.busy.description)
            case .failure(let error): throw .error(.badGateway, "renewal_failed", error.description)
            }
        }
        return r
    }
}
