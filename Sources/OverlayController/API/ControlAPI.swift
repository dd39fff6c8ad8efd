import Foundation
import Logging
import NIOCore
import OverlayCore
import OverlayHTTP
import OverlayProtocol
import OverlayTLS

/// The controller's control socket: what `overlayctl` reads and changes.
/// Access is the socket file's permissions (0660), nothing else.
enum ControlAPI {
    struct Context: Sendable {
        var configuration: ControllerConfiguration
        var range: IPv4Network
        var ca: NetworkCA
        var logger: Logger
        var store: any ControllerStore
        var roster: Roster
        var mesh: MeshService
        var tokens: TokenService
        var startedAt: Date
        var metrics: MetricsExposition
        var rollover: CARollover
        var recovery: RegistryRecovery
    }

    static func router(_ c: Context) -> HTTPRouter {
        var r = HTTPRouter()
        MetricsEndpoint.add(to: &r, c.metrics)
        r.on(.GET, "/v1/status") { _, _ in
            let counts = c.roster.counts()
            var status = ControllerStatus(network: c.range.description, caFingerprint: c.ca.certificate.fingerprint,
                                          listen: c.configuration.listen.description,
                                          advertise: c.configuration.advertise.map(\.description),
                                          registeredNodes: counts.registered, activeNodes: counts.active,
                                          activeTimeoutSeconds: c.roster.activeTimeout, rosterVersion: c.roster.currentVersion(),
                                          startedAt: c.startedAt, uptimeSeconds: Date().timeIntervalSince(c.startedAt))
            status.registryRecoveryUntil = c.recovery.activeUntil
            return .json(status)
        }
        r.on(.GET, "/v1/roster") { _, _ in
            .json(RosterListing(version: c.roster.currentVersion(), nodes: c.roster.listing(), domain: c.roster.domain))
        }
        r.on(.GET, "/v1/mesh") { request, _ throws(HTTPResponse) in try MeshAPI.view(request, mesh: c.mesh) }
        r.on(.GET, "/mesh") { request, _ throws(HTTPResponse) in try MeshAPI.view(request, mesh: c.mesh) }
        r.on(.GET, "/v1/tokens") { _, _ throws(HTTPResponse) in
            do { return .json(TokenList(tokens: try c.tokens.list())) } catch { throw storage(error) }
        }
        r.on(.POST, "/v1/tokens") { request, _ throws(HTTPResponse) in
            let body = try request.decode(TokenCreateRequest.self)
            guard body.ttlSeconds > 0, body.ttlSeconds <= 365 * 86_400 else {
                throw .error(.badRequest, "invalid_ttl", "ttl must be between 1s and 365d")
            }
            guard (1...100_000).contains(body.uses) else {
                throw .error(.badRequest, "invalid_uses", "uses must be between 1 and 100000")
            }
            if let name = body.name, name.isEmpty || name.count > 200 {
                throw .error(.badRequest, "invalid_name", "a token name must be 1–200 characters")
            }
            do { return .json(try c.tokens.create(ttl: body.ttlSeconds, uses: body.uses, name: body.name), status: .created) }
            catch { throw storage(error) }
        }
        r.on(.DELETE, "/v1/tokens/*") { _, params throws(HTTPResponse) in
            let found: Bool
            do { found = try c.tokens.revoke(id: params[0]) } catch { throw storage(error) }
            guard found else { throw .error(.notFound, "unknown_token", "no token with id \(params[0]); see 'overlayctl token list'") }
            return .json(["revoked": params[0]])
        }
        r.on(.POST, "/v1/nodes") { request, _ throws(HTTPResponse) in
            let body = try request.decode(NodeImportRequest.self)
            let node = try NodeImport.register(pem: body.certificate, context: c)
            return .json(RegisteredNode(name: node.name, overlayIP: node.overlayIP, endpoint: nil, active: false, lastSeen: nil,
                                        fingerprint: node.fingerprint, registeredAt: node.registeredAt), status: .created)
        }
        r.on(.DELETE, "/v1/nodes/*") { _, params throws(HTTPResponse) in
            let found: Bool
            do { found = try c.store.removeNode(named: params[0]) } catch { throw storage(error) }
            guard found else { throw .error(.notFound, "unknown_node", "no registered node named \(params[0]); see 'overlayctl roster'") }
            c.roster.removed(params[0])
            return .json(NodeRemoved(name: params[0]))
        }
        r.on(.GET, "/v1/ca") { _, _ throws(HTTPResponse) in
            do { return .json(try c.rollover.listing()) } catch { throw storage(error) }
        }
        r.on(.POST, "/v1/ca/rotate") { _, _ throws(HTTPResponse) in
            do { return .json(try c.rollover.rotate()) } catch let error as CARolloverError {
                if case .rotationUnderway = error { throw .error(.conflict, "rotation_underway", error.description) }
                throw .error(.internalServerError, "ca_rotation_failed", error.description)
            } catch { throw .error(.internalServerError, "ca_rotation_failed", "\(error)") }
        }
        r.on(.POST, "/v1/ca/retire") { _, _ throws(HTTPResponse) in
            do { return .json(try c.rollover.retire()) } catch let error as CARolloverError {
                switch error {
                case .inUse: throw .error(.conflict, "ca_in_use", error.description)
                case .nothingToRetire: throw .error(.conflict, "nothing_to_retire", error.description)
                default: throw .error(.internalServerError, "ca_retire_failed", error.description)
                }
            } catch { throw .error(.internalServerError, "ca_retire_failed", "\(error)") }
        }
        return r
    }

    static func storage(_ error: any Error) -> HTTPResponse {
        .error(.internalServerError, "storage_error", "the controller database failed: \(error)")
    }
}
