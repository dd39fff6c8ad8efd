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
        var caFingerprint: String
        var store: any ControllerStore
        var roster: Roster
        var tokens: TokenService
        var startedAt: Date
    }

    static func router(_ c: Context) -> HTTPRouter {
        var r = HTTPRouter()
        // The CA the network was opened with, for checking imported node certificates.
        let caCertificate = try? Certificate(file: c.configuration.stateDirectory + "/ca.crt")
        r.on(.GET, "/v1/status") { _, _ in
            let counts = c.roster.counts()
            return .json(ControllerStatus(network: c.range.description, caFingerprint: c.caFingerprint,
                                          listen: c.configuration.listen.description,
                                          advertise: c.configuration.advertise.map(\.description),
                                          registeredNodes: counts.registered, activeNodes: counts.active,
                                          activeTimeoutSeconds: c.roster.activeTimeout, rosterVersion: c.roster.currentVersion(),
                                          startedAt: c.startedAt, uptimeSeconds: Date().timeIntervalSince(c.startedAt)))
        }
        r.on(.GET, "/v1/roster") { _, _ in
            .json(RosterListing(version: c.roster.currentVersion(), nodes: c.roster.listing()))
        }
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
            let node = try NodeImport.register(pem: body.certificate, context: c, ca: caCertificate)
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
        return r
    }

    static func storage(_ error: any Error) -> HTTPResponse {
        .error(.internalServerError, "storage_error", "the controller database failed: \(error)")
    }
}

/// `POST /v1/nodes` body: a node certificate made outside the controller
/// (certs/make-node.sh), PEM.
private struct NodeImportRequest: Decodable {
    var certificate: String
}

/// Registers a pre-made node certificate (`overlayctl node add --cert`): it
/// must be one the controller could have signed itself, for a free name and
/// a free overlay IP of this network.
private enum NodeImport {
    static func register(pem: String, context c: ControlAPI.Context, ca: Certificate?,
                         now: Date = Date()) throws(HTTPResponse) -> NodeRecord {
        guard let ca, ca.fingerprint == c.caFingerprint else {
            throw .error(.internalServerError, "ca_unavailable",
                         "the controller cannot read the network CA certificate it started with from \(c.configuration.stateDirectory)/ca.crt; restart the controller")
        }
        guard pem.utf8.count <= 64 * 1024 else { throw invalid("the certificate is larger than 64 KiB") }
        let cert: Certificate
        do { cert = try Certificate(pem: pem) } catch {
            throw invalid("not a PEM certificate (expected -----BEGIN CERTIFICATE-----): \(error)")
        }
        guard !cert.isCA else { throw invalid("\(cert) is a CA certificate; give the node's own certificate (node.crt)") }
        guard cert.notBefore <= now else {
            throw .error(.badRequest, "certificate_not_yet_valid", "\(cert) is not valid before \(cert.notBefore); check the clock where it was made")
        }
        guard now < cert.notAfter else {
            throw .error(.badRequest, "certificate_expired", "\(cert) expired on \(cert.notAfter); make a new one with certs/make-node.sh")
        }
        do { try CertificateVerifier.verify(cert, chainsTo: ca, at: now) } catch {
            throw .error(.badRequest, "foreign_certificate",
                         "\(cert) was not issued by this network's CA '\(ca.commonName ?? "?")' (sha256 \(ca.fingerprint.prefix(16))…): \(error); sign it with this controller's ca.crt and ca.key (make-node.sh -c DIR)")
        }
        guard let name = cert.commonName else { throw invalid("the certificate has no subject CN; the CN must be the node name") }
        do { try NodeName.validate(name) } catch {
            throw refusal(.invalidName("the certificate's CN: \(error.description)"))
        }
        guard cert.dnsNames == [name] else {
            throw invalid("the certificate must carry exactly one DNS name, its CN \(name), as subject alternative name; it has [\(cert.dnsNames.joined(separator: ", "))]")
        }
        let ips = cert.ipAddresses
        guard ips.count == 1, let ip = IPv4Address(ips[0]) else {
            throw invalid("the certificate must carry exactly one IP address, the node's IPv4 overlay IP, as subject alternative name; it has [\(ips.joined(separator: ", "))]")
        }
        guard extendedKeyUsageAllowsTLS(cert.der) else {
            throw invalid("the certificate's extended key usage must include both serverAuth and clientAuth (every node dials and answers)")
        }
        let record = NodeRecord(name: name, overlayIP: ip.description, fingerprint: cert.fingerprint, serial: cert.serial,
                                certificate: cert.pem, registeredAt: now, tokenID: "imported")
        let node: NodeRecord
        do {
            node = try c.store.importNode(record, network: c.range.description)
        } catch let error as EnrollmentError {
            throw refusal(error)
        } catch {
            throw ControlAPI.storage(error)
        }
        c.roster.registered(node)
        var logger = Logger(label: "overlayd-controller")
        logger.logLevel = c.configuration.logLevel
        logger.notice("node certificate imported", metadata: ["node.name": "\(node.name)", "node.ip": "\(node.overlayIP)",
                                                              "cert.sha256": "\(node.fingerprint.prefix(16))",
                                                              "cert.not_after": "\(cert.notAfter)"])
        return node
    }

    static func invalid(_ reason: String) -> HTTPResponse {
        .error(.badRequest, "invalid_certificate", reason)
    }

    static func refusal(_ error: EnrollmentError) -> HTTPResponse {
        switch error {
        case .nameTaken(let n):
            return .error(error.status, error.code, "the name \(n) is already registered; make the certificate for another name, or remove the old node with 'overlayctl node remove \(n)'")
        case .ipTaken(let ip, let by):
            return .error(error.status, error.code, "overlay IP \(ip) is already registered to \(by); make the certificate for a free IP ('overlayctl roster' lists the used ones)")
        default:
            return .error(error.status, error.code, error.description)
        }
    }

    /// True when the certificate has no extended key usage (any use) or one
    /// that lists both serverAuth and clientAuth. A look at the DER for the
    /// extension's and the purposes' object identifiers: enough to refuse a
    /// certificate the TLS handshakes would refuse later, with a clearer word.
    static func extendedKeyUsageAllowsTLS(_ der: [UInt8]) -> Bool {
        let extKeyUsage: [UInt8] = [0x06, 0x03, 0x55, 0x1d, 0x25]                               // 2.5.29.37
        let serverAuth: [UInt8] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]  // 1.3.6.1.5.5.7.3.1
        let clientAuth: [UInt8] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]  // 1.3.6.1.5.5.7.3.2
        let anyPurpose: [UInt8] = [0x06, 0x04, 0x55, 0x1d, 0x25, 0x00]                         // 2.5.29.37.0
        func contains(_ needle: [UInt8]) -> Bool {
            guard der.count >= needle.count else { return false }
            return (0...(der.count - needle.count)).contains { der[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        guard contains(extKeyUsage) else { return true }
        return contains(anyPurpose) || (contains(serverAuth) && contains(clientAuth))
    }
}
