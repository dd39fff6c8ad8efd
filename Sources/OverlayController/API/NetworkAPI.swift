import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayHTTP
import OverlayProtocol
import OverlayTLS

/// The controller's TLS API (`/v1/...`), what nodes and operators with a
/// node certificate talk to. Enrollment needs no client certificate, so its
/// two endpoints are rate-limited per address; every other endpoint needs a
/// registered node's current one.
enum NetworkAPI {
    static func router(enrollment: EnrollmentService, renewal: RenewalService, nonces: NonceStore, limiter: EnrollmentLimiter,
                       roster: Roster, mesh: MeshService, recovery: RegistryRecovery,
                       logger: Logger) -> HTTPRouter {
        var r = HTTPRouter()
        r.on(.GET, "/v1/health") { _, _ in .json(["status": "ok"]) }

        r.on(.POST, "/v1/enroll/nonce") { request, _ throws(HTTPResponse) in
            try limiter.check(request, .nonce)
            guard let nonce = nonces.issue() else {
                throw .error(.serviceUnavailable, "too_many_enrollments",
                             "too many enrollments in progress (\(nonces.capacity) nonces outstanding); retry in a minute")
            }
            return .json(nonce)
        }

        r.on(.POST, "/v1/enroll") { request, _ throws(HTTPResponse) in
            try limiter.check(request, .enroll)
            if let until = recovery.activeUntil {
                ControllerMetrics.enrollmentRefused("registry_recovering")
                var response = HTTPResponse.error(.serviceUnavailable, "registry_recovering",
                    "this controller is rebuilding its registry after losing its database; new nodes can enroll from "
                    + "\(ISO8601DateFormatter().string(from: until)), when no certificate from before can still be valid "
                    + "(or as soon as its operator has rotated and retired the CA)")
                response.headers.add(name: "retry-after", value: "\(Int(until.timeIntervalSinceNow.rounded(.up)))")
                throw response
            }
            let body: EnrollRequest
            do throws(HTTPResponse) { body = try request.decode(EnrollRequest.self) } catch {
                ControllerMetrics.enrollmentRefused("malformed_request")
                throw error
            }
            do throws(EnrollmentError) {
                let response = try enrollment.enroll(body)
                ControllerMetrics.enrolled()
                return .json(response, status: .created)
            } catch {
                ControllerMetrics.enrollmentRefused(error.code)
                if case .storage = error {
                    logger.error("enrollment not stored: \(error.description)", metadata: [
                        "event": "enrollment-refused", "node": "\(body.name)", "token_id": "\(body.tokenID)", "error": "\(error.code)"])
                    var response = HTTPResponse.error(error.status, error.code, error.description)
                    response.headers.add(name: "retry-after", value: "30")
                    throw response
                }
                // The request-refused line (bounded per address) says it; a second line per wrong token would double a flood.
                throw .error(error.status, error.code, error.description)
            }
        }

        r.on(.POST, "/v1/renew") { request, _ throws(HTTPResponse) in
            guard let peer = request.peer else {
                ControllerMetrics.renewal(refused: "client_certificate_required")
                throw .error(.unauthorized, "client_certificate_required",
                             "renewal needs mutual TLS with the node's current certificate")
            }
            if let reason = roster.authorizeRenewal(peer), !(recovery.adopt(peer) && roster.authorizeRenewal(peer) == nil) {
                ControllerMetrics.renewal(refused: "unknown_certificate")
                logger.warning("renewal refused", metadata: ["event": "renewal-refused", "node": "\(peer.name)",
                                                             "error": "unknown_certificate", "cert_sha256": "\(peer.fingerprint.prefix(16))"])
                throw .error(.forbidden, "unknown_certificate", reason)
            }
            let body: RenewRequest
            do throws(HTTPResponse) { body = try request.decode(RenewRequest.self) } catch {
                ControllerMetrics.renewal(refused: "malformed_request")
                throw error
            }
            do throws(EnrollmentError) {
                let response = try renewal.renew(body, peer: peer)
                ControllerMetrics.renewal(refused: nil)
                return .json(response)
            } catch {
                ControllerMetrics.renewal(refused: error.code)
                logger.warning("renewal refused", metadata: ["event": "renewal-refused", "node": "\(peer.name)", "error": "\(error.code)",
                                                             "cert_sha256": "\(peer.fingerprint.prefix(16))"])
                throw .error(error.status, error.code, error.description)
            }
        }

        r.on(.POST, "/v1/roster") { request, _ throws(HTTPResponse) in
            let peer = try authenticate(request, roster: roster, recovery: recovery)
            let body = request.body.isEmpty ? RosterRequest(knownVersion: nil, advertise: nil, listenPort: nil)
                                            : try request.decode(RosterRequest.self)
            let endpoint = try endpoint(for: body, request: request)
            if let port = body.dataPort, !(1...65535).contains(port) {
                throw .error(.badRequest, "invalid_data_port", "'dataPort' must be a UDP port from 1 to 65535, not \(port)")
            }
            let interval = body.pollInterval.flatMap { $0.isFinite && $0 > 0 && $0 <= 3600 ? $0 : nil }
            let version = roster.heartbeat(name: peer.name, endpoint: endpoint, dataPort: body.dataPort, pollInterval: interval)
            let health = try MeshAPI.ingest(body.health, from: peer.name, rosterVersion: version, mesh: mesh, logger: logger)
            if let known = body.knownVersion, roster.shouldKeepPreRestartRoster(known) {
                // Just restarted: the active set is still filling; the node's roster is the better one.
                ControllerMetrics.rosterAnswered(full: false)
                return .json(RosterResponse(version: known, unchanged: true, nodes: nil, health: health))
            }
            if body.knownVersion == version {
                ControllerMetrics.rosterAnswered(full: false)
                return .json(RosterResponse(version: version, unchanged: true, nodes: nil, health: health))
            }
            let current = roster.currentRoster()
            ControllerMetrics.rosterAnswered(full: true)
            return HTTPResponse(status: .ok, headers: ["content-type": "application/json"],
                                body: RosterBodyWithHealth.splice(health, into: current.body))
        }

        r.on(.GET, "/v1/mesh") { request, _ throws(HTTPResponse) in
            _ = try authenticate(request, roster: roster, recovery: recovery)
            return try MeshAPI.brokenView(request, mesh: mesh)
        }

        r.on(.GET, "/v1/roster") { request, _ throws(HTTPResponse) in
            _ = try authenticate(request, roster: roster, recovery: recovery)
            let current = roster.currentRoster()
            if request.query["version"] == current.version {
                ControllerMetrics.rosterAnswered(full: false)
                return .json(RosterResponse(version: current.version, unchanged: true, nodes: nil))
            }
            ControllerMetrics.rosterAnswered(full: true)
            return HTTPResponse(status: .ok, headers: ["content-type": "application/json"], body: current.body)
        }

        r.on(.POST, "/v1/leave") { request, _ throws(HTTPResponse) in
            let peer = try authenticate(request, roster: roster, recovery: recovery)
            let wasActive = roster.leave(name: peer.name)
            logger.notice("node left", metadata: ["event": "node-left", "node": "\(peer.name)", "was_active": "\(wasActive)"])
            return .json(LeaveResponse(name: peer.name, active: false))
        }
        return r
    }

    /// The node presenting the request's certificate; during a registry recovery an unknown
    /// but CA-signed certificate re-registers its node first (RegistryRecovery).
    static func authenticate(_ request: HTTPRequest, roster: Roster, recovery: RegistryRecovery? = nil) throws(HTTPResponse) -> PeerIdentity {
        guard let peer = request.peer else {
            throw .error(.unauthorized, "client_certificate_required",
                         "this endpoint needs mutual TLS with a node certificate (curl --cert node.crt --key node.key --cacert ca.crt)")
        }
        if let reason = roster.authorize(peer) {
            guard let recovery, recovery.adopt(peer), roster.authorize(peer) == nil else {
                throw .error(.forbidden, "unknown_certificate", reason)
            }
        }
        return peer
    }

    static func endpoint(for body: RosterRequest, request: HTTPRequest) throws(HTTPResponse) -> String {
        if let advertise = body.advertise {
            do { return try HostPort(parsing: advertise).description } catch {
                throw .error(.badRequest, "invalid_endpoint", error.description)
            }
        }
        guard let port = body.listenPort, (1...65535).contains(port) else {
            throw .error(.badRequest, "invalid_endpoint", "give 'advertise' (host:port) or 'listenPort' so peers can reach this node")
        }
        guard let ip = request.remoteAddress?.ipAddress else {
            throw .error(.badRequest, "invalid_endpoint", "cannot tell the node's address; give 'advertise'")
        }
        return HostPort(host: ip, port: port).description
    }
}
