import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OverlayCore
import OverlayHTTP
import OverlayProtocol
import OverlayTLS

/// The controller's read-only status page (`--status-listen`): the summary,
/// the roster and the mesh heatmap (above `MeshView.gridMaxNodes` nodes the
/// per-node summary and the broken pairs instead), as one HTML page, a script and a style
/// sheet compiled into the binary, reading `/status.json`. Plain HTTP with
/// no login, so it shows nothing secret and should stay on loopback or
/// behind an authenticating proxy.
enum StatusPage {
    struct Context: Sendable {
        var roster: Roster
        var range: IPv4Network
        var ca: NetworkCA
        var mesh: any MeshViewProviding
    }

    /// Every response keeps the page to its own origin: no inline script, nothing fetched elsewhere.
    static let securityHeaders: [(String, String)] = [
        ("content-security-policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
    ]

    static func router(_ c: Context) -> HTTPRouter {
        var r = HTTPRouter()
        r.on(.GET, "/") { _, _ in asset(StatusPageAssets.html, type: "text/html; charset=utf-8") }
        r.on(.GET, "/app.js") { _, _ in asset(StatusPageAssets.script, type: "text/javascript; charset=utf-8") }
        r.on(.GET, "/style.css") { _, _ in asset(StatusPageAssets.style, type: "text/css; charset=utf-8") }
        r.on(.GET, "/status.json") { _, _ in
            var response = HTTPResponse(status: .ok, headers: ["content-type": "application/json"], body: await snapshotJSON(c))
            response.headers.add(name: "cache-control", value: "no-store")
            response.headers.add(contentsOf: securityHeaders)
            return response
        }
        return r
    }

    /// The page's data as `StatusPageSnapshot` JSON, with the mesh written pair by pair.
    static func snapshotJSON(_ c: Context) async -> [UInt8] {
        let mesh = await c.mesh.statusMesh()
        let listing = c.roster.listing()
        let summary = StatusNetworkSummary(
            name: c.ca.certificate.commonName ?? "overlayd network", range: c.range.description, caFingerprint: c.ca.certificate.fingerprint,
            activeNodes: listing.filter(\.active).count, registeredNodes: listing.count,
            rosterVersion: mesh.rosterVersion, generatedAt: Date())
        let roster = listing.map {
            StatusRosterNode(name: $0.name, overlayIP: $0.overlayIP, endpoint: $0.endpoint, active: $0.active, lastSeen: $0.lastSeen)
        }
        return StatusSnapshotJSON.encode(mesh: mesh, network: summary, roster: roster)
    }

    static func asset(_ text: String, type: String) -> HTTPResponse {
        var headers: HTTPHeaders = ["content-type": type, "cache-control": "no-cache"]
        headers.add(contentsOf: securityHeaders)
        return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
    }

    /// Binds the page's listener; warns when it is reachable from beyond this host.
    static func listen(on address: HostPort, _ c: Context, group: any EventLoopGroup, logger: Logger) async throws -> HTTPServer {
        let server: HTTPServer
        do {
            server = try await HTTPServer.bind(plainHost: address.host, port: address.port, router: router(c), group: group, logger: logger)
        } catch {
            throw ListenerError.cannotBind(what: "the status page (--status-listen)", address: address.description, reason: "\(error)")
        }
        let bound = HostPort(host: address.host, port: server.port ?? address.port)
        if isLoopback(address.host) {
            logger.notice("serving the status page", metadata: ["status_listen": "\(bound)", "url": "http://\(bound)/"])
        } else {
            logger.warning("the status page is reachable beyond this host, without authentication; keep it on loopback or put an authenticating proxy in front",
                           metadata: ["status_listen": "\(bound)"])
        }
        return server
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        if let ip = IPv4Address(host) { return ip.description.hasPrefix("127.") }
        return false
    }
}
