import Foundation
import Logging
import OverlayCore
import OverlayTLS

/// The network a controller serves: its CA and range, made on the first start
/// in an empty state directory and reused afterwards. The controller's own
/// TLS certificate is issued afresh at each start for the addresses it
/// currently advertises; its key lives only in memory.
struct ControllerNetwork {
    let ca: CertificateAuthority
    let range: IPv4Network
    let serverContext: TLSContext

    static let controllerName = "overlayd-controller"

    static func openOrCreate(configuration c: ControllerConfiguration, store: any ControllerStore,
                             passphrase: [UInt8], logger: Logger) throws -> ControllerNetwork {
        let caCert = c.stateDirectory + "/ca.crt"
        let caKey = c.stateDirectory + "/ca.key"
        let ca: CertificateAuthority
        let range: IPv4Network
        if FileManager.default.fileExists(atPath: caCert) {
            ca = try CertificateAuthority.load(certificateFile: caCert, keyFile: caKey, passphrase: passphrase)
            guard let stored = try store.meta("network") else {
                throw ControllerError.damagedState("\(c.stateDirectory) has a CA but the database holds no network range")
            }
            range = try IPv4Network(parsing: stored)
            if let wanted = c.network, wanted != range {
                throw ControllerError.networkMismatch(stored: range.description, requested: wanted.description)
            }
        } else {
            range = try c.network ?? IPv4Network(parsing: ControllerConfiguration.defaultNetwork)
            ca = try CertificateAuthority.create(commonName: "overlayd network CA \(Digest.hex(Digest.randomBytes(4)))")
            try ca.writeKey(file: caKey, passphrase: passphrase)
            try SecureFile.write(ca.certificate.pem, to: caCert, mode: 0o644)
            try store.setMeta("network", range.description)
            logger.notice("created a new network", metadata: ["network": "\(range)", "ca.sha256": "\(ca.certificate.fingerprint)"])
        }

        let hosts = c.advertise.map(\.host) + [c.listen.host]
        let ips = Array(Set(hosts.filter { IPv4Address($0) != nil && $0 != "0.0.0.0" })).sorted()
        let names = Array(Set(hosts.filter { IPv4Address($0) == nil && !$0.contains(":") })).sorted()
        let key = try PrivateKey.generate()
        let csr = try CertificateSigningRequest(commonName: controllerName, key: key)
        let cert = try ca.sign(request: csr, name: controllerName, dnsNames: names, ipAddresses: ips, validity: 30 * 86_400)
        let context = try TLSContext(role: .server, configuration: .mutual(certificate: cert, key: key, ca: ca.certificate,
                                                                           clientAuthentication: .optional))
        return ControllerNetwork(ca: ca, range: range, serverContext: context)
    }
}

public enum ControllerError: Error, Sendable, CustomStringConvertible {
    case damagedState(String)
    case networkMismatch(stored: String, requested: String)
    case cannotCreateStateDirectory(String, String)

    public var description: String {
        switch self {
        case .damagedState(let r): return "the state directory is damaged: \(r); restore it from a backup or start with an empty one (a new network)"
        case .networkMismatch(let s, let r): return "this network was created as \(s); --network \(r) cannot change it (drop the option, or start a new network in an empty --state-dir)"
        case .cannotCreateStateDirectory(let d, let r): return "cannot create the state directory \(d): \(r)"
        }
    }
}
