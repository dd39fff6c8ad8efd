import Foundation
import OverlayCore
import OverlayTLS

/// What a node keeps in its state directory after enrolling: its key
/// (encrypted), its certificate (with the intermediate it is presented with
/// during a CA rollover), the network CAs it trusts and where the controller
/// is. A later start needs nothing else, and no token.
public struct NodeIdentity: Sendable {
    public var name: String
    public var overlayIP: String
    public var network: String
    public var controllers: [String]
    public var certificate: Certificate
    public var key: PrivateKey
    /// The network CAs this node trusts, the signing one first: one, or two during a CA rollover.
    public var trust: [Certificate]
    /// Presented after the certificate: the new CA cross-signed by the old one, while both are trusted.
    public var intermediates: [Certificate] = []

    struct Metadata: Codable {
        var name: String
        var overlayIP: String
        var network: String
        var controllers: [String]
    }

    static func paths(_ dir: String) -> (key: String, cert: String, ca: String, meta: String) {
        (dir + "/node.key", dir + "/node.crt", dir + "/ca.crt", dir + "/node.json")
    }

    static func exists(in dir: String) -> Bool {
        FileManager.default.fileExists(atPath: paths(dir).meta)
    }

    static func load(from dir: String, passphrase: [UInt8], now: Date = Date()) throws -> NodeIdentity {
        try finishInterruptedRenewal(in: dir, passphrase: passphrase)
        let p = paths(dir)
        guard let data = FileManager.default.contents(atPath: p.meta),
              let meta = try? JSONDecoder().decode(Metadata.self, from: data) else {
            throw NodeError.damagedState("\(p.meta) is missing or unreadable")
        }
        let chain = try Self.certificates(in: p.cert)
        let cert = chain[0]
        let key = try PrivateKey.load(file: p.key, passphrase: passphrase)
        let trust = try Self.certificates(in: p.ca)
        guard key.matches(cert) else { throw NodeError.damagedState("\(p.key) does not belong to \(p.cert)") }
        // Renewal needs a certificate the controller still accepts; an expired one can only be replaced with a token.
        if cert.notAfter <= now { throw NodeError.certificateExpired(name: meta.name, notAfter: cert.notAfter, dir: dir) }
        return NodeIdentity(name: meta.name, overlayIP: meta.overlayIP, network: meta.network, controllers: meta.controllers,
                            certificate: cert, key: key, trust: trust, intermediates: Array(chain.dropFirst()))
    }

    /// Every certificate in a PEM file, in order.
    static func certificates(in path: String) throws -> [Certificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PKIError.cannotRead(path: path, reason: "file missing or unreadable")
        }
        do { return try Certificate.chain(pem: String(decoding: data, as: UTF8.self)) } catch {
            throw NodeError.damagedState("\(path) holds no certificate")
        }
    }

    /// `node.crt` as written: the certificate, then its intermediates.
    var certificateFile: String { ([certificate] + intermediates).map(\.pem).joined() }
    var trustFile: String { trust.map(\.pem).joined() }

    /// The CA among `trust` that issued this node's certificate itself (not through a cross-certificate).
    var issuer: Certificate? { CertificateVerifier.directIssuer(of: certificate, among: trust) }

    func save(to dir: String, passphrase: [UInt8]) throws {
        let p = Self.paths(dir)
        try key.write(file: p.key, passphrase: passphrase)
        try SecureFile.write(certificateFile, to: p.cert, mode: 0o644)
        try SecureFile.write(trustFile, to: p.ca, mode: 0o644)
        let meta = Metadata(name: name, overlayIP: overlayIP, network: network, controllers: controllers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try SecureFile.write(Array(try encoder.encode(meta)), to: p.meta, mode: 0o644)
    }
}

public enum NodeError: Error, Sendable, CustomStringConvertible {
    case damagedState(String)
    case nameMismatch(stored: String, requested: String, dir: String)
    case needsToken(dir: String)
    case enrollmentRefused(String)
    case controllerUnreachable([String], String)
    case controllerBusy(minutes: Int, String)
    case cannotCreateStateDirectory(String, String)
    case dnsNeedsTun
    case certificateExpired(name: String, notAfter: Date, dir: String)

    public var description: String {
        switch self {
        case .damagedState(let r): return "the node's state is damaged: \(r); move the state directory away and enroll again with a new token"
        case .nameMismatch(let s, let r, let d): return "\(d) holds the identity of node \(s), not \(r); use --name \(s) or another --state-dir"
        case .needsToken(let d): return "\(d) holds no identity yet: give --join-token (from 'overlayctl token create' on the controller) for the first start"
        case .enrollmentRefused(let r): return "enrollment refused by the controller: \(r)"
        case .controllerUnreachable(let a, let r): return "cannot reach the controller at \(a.joined(separator: ", ")): \(r)"
        case .controllerBusy(let m, let r):
            return "the controller kept asking this node to enroll later for \(m) minutes (\(r)); start the node again later, "
                + "or ask its operator to raise enroll-rate if many nodes enroll from this address"
        case .cannotCreateStateDirectory(let d, let r): return "cannot create the state directory \(d): \(r)"
        case .certificateExpired(let name, let notAfter, let dir):
            return "the certificate of node \(name) expired at \(ISO8601DateFormatter().string(from: notAfter)) while the node could not renew it "
                + "(offline or refused); it needs a new token: run 'overlayctl node remove \(name)' and 'overlayctl token create' on the controller, "
                + "move \(dir) away, and start the node with --join-token"
        case .dnsNeedsTun:
            return "dns-host = resolved registers the resolver on the TUN link, and this node has no TUN (--no-tun); "
                + "use dns-host = hosts or none, or give the node its TUN"
        }
    }
}
