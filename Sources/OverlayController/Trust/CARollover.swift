import Foundation
import Logging
import OverlayProtocol
import OverlayTLS

/// `overlayctl ca status|rotate|retire`: moves the network onto a new CA
/// while it runs. A rotate makes the new CA sign from then on and keeps the
/// old one trusted; every node learns both with its next roster, renews onto
/// the new one soon after, and a retire (refused while an active node still
/// holds a certificate of the old one) drops the old CA everywhere.
struct CARollover: Sendable {
    let ca: NetworkCA
    let store: any ControllerStore
    let roster: Roster
    let passphrase: [UInt8]
    let logger: Logger
    /// A registry being rebuilt after a lost database ends with the retire: no certificate from before is valid any more.
    let recovery: RegistryRecovery
    /// Re-issues the controller's own certificate under the signing CA, trusting the new set.
    let reissueServerCertificate: @Sendable () throws -> Void

    func listing() throws -> CAListing {
        let active = Set(roster.activeNames())
        var holders: [String: [String]] = [:]
        for node in try store.nodes() {
            guard let cert = try? Certificate(pem: node.certificate), let issuer = ca.issuer(of: cert) else { continue }
            holders[issuer.fingerprint, default: []].append(node.name)
        }
        let signing = ca.certificate.fingerprint
        return CAListing(cas: ca.trusted.map { c in
            let nodes = (holders[c.fingerprint] ?? []).sorted()
            return CAListing.Entry(fingerprint: c.fingerprint, subject: c.commonName ?? "?", notBefore: c.notBefore, notAfter: c.notAfter,
                                   role: c.fingerprint == signing ? "signing" : "retiring", nodes: nodes,
                                   activeNodes: nodes.filter(active.contains))
        })
    }

    func rotate() throws -> CAListing {
        let old = ca.certificate.fingerprint
        try ca.rotate(passphrase: passphrase)
        try applied()
        logger.notice("network CA rotated: new certificates are signed by the new CA; both are trusted until 'overlayctl ca retire'", metadata: [
            "event": "ca-rotated", "ca_sha256": "\(ca.certificate.fingerprint)", "previous_ca_sha256": "\(old)",
        ])
        return try listing()
    }

    func retire() throws -> CAListing {
        let old = ca.previous?.fingerprint ?? "-"
        var stranded: [String] = []
        try ca.retire { previous in
            let entry = try listing().cas.first { $0.fingerprint == previous.fingerprint }
            stranded = entry?.nodes ?? []
            return entry?.activeNodes ?? []
        }
        try applied()
        logger.notice("previous network CA retired: only the current CA is trusted", metadata: [
            "event": "ca-retired", "ca_sha256": "\(ca.certificate.fingerprint)", "retired_ca_sha256": "\(old)",
            "stranded": "\(stranded.joined(separator: ","))",
        ])
        try recovery.end(because: "the CA that signed every certificate from before the database was lost is retired")
        var result = try listing()
        result.stranded = stranded
        return result
    }

    /// The new set reaches the controller's TLS at once and the nodes with their next roster.
    private func applied() throws {
        try reissueServerCertificate()
        roster.setTrust(ca.bundle)
    }
}
