import Foundation
import Logging
import OverlayCore
import OverlayTLS

/// The network a controller serves: its CA and range, made on the first start
/// in an empty state directory and reused afterwards. The controller's own
/// TLS certificate is issued afresh at each start for the addresses it
/// currently advertises; its key lives only in memory.
struct ControllerNetwork {
    let ca: NetworkCA
    let range: IPv4Network
    /// Swapped for a freshly signed one every `serverCertificateRenewal`, so a
    /// controller that runs for months never presents an expired certificate.
    let serverContext: TLSContextBox
    /// Set while the registry is being rebuilt after `controller.db` was lost.
    let recoveryUntil: Date?

    static let controllerName = "overlayd-controller"
    static let serverCertificateValidity: TimeInterval = 30 * 86_400
    static let serverCertificateRenewal: TimeInterval = 86_400

    static func openOrCreate(configuration c: ControllerConfiguration, store: any ControllerStore,
                             passphrase: [UInt8], logger: Logger) throws -> ControllerNetwork {
        let caFiles = CAFiles(directory: c.stateDirectory)
        if let recovered = try caFiles.recover() {
            logger.notice("\(recovered)", metadata: ["event": "ca-recovered", "dir": "\(c.stateDirectory)"])
        }
        let caCert = caFiles.cert
        let caKey = caFiles.key
        let ca: CertificateAuthority
        let range: IPv4Network
        let files = FileManager.default
        let marker = NetworkMarker.load(from: c.stateDirectory)
        var recoveryUntil = RegistryRecovery.parse(try store.meta(RegistryRecovery.metaKey))
        if try store.meta("network") == nil, let marker {
            // This directory had a network and its database is gone: starting empty would hand out live identities.
            guard c.recoverRegistry else {
                throw ControllerError.registryLost(dir: c.stateDirectory, network: marker.network, createdAt: marker.createdAt)
            }
            guard files.fileExists(atPath: caCert) else {
                throw ControllerError.damagedState("\(caCert) is gone as well as the database: there is nothing to recover from; restore the state directory from a backup")
            }
            let until = Date().addingTimeInterval(c.certificateValidity + CertificateAuthority.clockSkewAllowance)
            try store.setMeta("network", marker.network)
            try store.setMeta(RegistryRecovery.metaKey, ISO8601DateFormatter().string(from: until))
            recoveryUntil = until
            logger.notice("registry recovery started: nodes are re-registered from the certificates they present; new nodes enroll from the end of the recovery", metadata: [
                "event": "registry-recovery-started", "network": "\(marker.network)", "until": "\(ISO8601DateFormatter().string(from: until))",
            ])
        } else if c.recoverRegistry, recoveryUntil == nil {
            throw ControllerError.nothingToRecover(dir: c.stateDirectory)
        }
        if files.fileExists(atPath: caCert), let stored = try store.meta("network") {
            ca = try CertificateAuthority.load(certificateFile: caCert, keyFile: caKey, passphrase: passphrase)
            range = try IPv4Network(parsing: stored)
            if let wanted = c.network, wanted != range {
                throw ControllerError.networkMismatch(stored: range.description, requested: wanted.description)
            }
        } else if files.fileExists(atPath: caCert) {
            // A CA the operator made (certs/make-ca.sh) and dropped into a state
            // directory whose database holds no network yet: adopt it.
            guard try store.nodes().isEmpty else {
                throw ControllerError.damagedState("\(c.stateDirectory) has a CA and registered nodes but the database holds no network range")
            }
            ca = try adopt(certificateFile: caCert, keyFile: caKey, passphrase: passphrase, logger: logger)
            range = try c.network ?? IPv4Network(parsing: ControllerConfiguration.defaultNetwork)
            try store.setMeta("network", range.description)
            logger.notice("adopted the operator's CA from the state directory as this network's CA", metadata: [
                "event": "ca-adopted", "network": "\(range)", "ca_subject": "\(ca.certificate.commonName ?? "?")",
                "ca_sha256": "\(ca.certificate.fingerprint)", "ca_not_after": "\(ca.certificate.notAfter)",
            ])
        } else if files.fileExists(atPath: caKey) {
            throw ControllerError.cannotAdoptCA("\(caKey) has no certificate next to it: copy the CA certificate to \(caCert) (certs/make-ca.sh writes both), or move ca.key away to start a new network")
        } else {
            range = try c.network ?? IPv4Network(parsing: ControllerConfiguration.defaultNetwork)
            ca = try CertificateAuthority.create(commonName: "overlayd network CA \(Digest.hex(Digest.randomBytes(4)))")
            try ca.writeKey(file: caKey, passphrase: passphrase)
            try SecureFile.write(ca.certificate.pem, to: caCert, mode: 0o644)
            try store.setMeta("network", range.description)
            logger.notice("created a new network", metadata: ["network": "\(range)", "ca.sha256": "\(ca.certificate.fingerprint)"])
        }

        if marker == nil {
            try NetworkMarker(network: range.description, caSha256: ca.certificate.fingerprint, createdAt: Date()).write(to: c.stateDirectory)
        }
        let pair = try caFiles.loadPrevious()
        let network = NetworkCA(signing: ca, previous: pair?.previous, cross: pair?.cross, files: caFiles)
        let context = try issueServerContext(ca: network, configuration: c)
        return ControllerNetwork(ca: network, range: range, serverContext: TLSContextBox(context), recoveryUntil: recoveryUntil)
    }
}

extension ControllerNetwork {
    /// Checks an operator-made CA before the network is bound to it: present,
    /// decryptable with the controller's passphrase, key and certificate a
    /// pair, a CA certificate, and valid now.
    static func adopt(certificateFile: String, keyFile: String, passphrase: [UInt8], logger: Logger) throws -> CertificateAuthority {
        let files = FileManager.default
        guard files.fileExists(atPath: keyFile) else {
            throw ControllerError.cannotAdoptCA("\(certificateFile) has no key next to it: copy the CA's encrypted key to \(keyFile)")
        }
        let certificate: Certificate
        do { certificate = try Certificate(file: certificateFile) } catch {
            throw ControllerError.cannotAdoptCA("\(error)")
        }
        let key: PrivateKey
        do { key = try PrivateKey.load(file: keyFile, passphrase: passphrase) } catch PKIError.wrongPassphrase {
            throw ControllerError.cannotAdoptCA("cannot decrypt \(keyFile) with the passphrase from --passphrase-file: give the controller the passphrase the CA key was made with (make-ca.sh -p FILE)")
        } catch {
            throw ControllerError.cannotAdoptCA("\(error)")
        }
        guard key.matches(certificate) else {
            throw ControllerError.cannotAdoptCA("\(keyFile) is not the key of \(certificateFile): copy the matching pair")
        }
        guard certificate.isCA else {
            throw ControllerError.cannotAdoptCA("\(certificateFile) is not a CA certificate (it needs basicConstraints CA:TRUE and keyCertSign)")
        }
        let now = Date()
        guard certificate.notBefore <= now, now < certificate.notAfter else {
            throw ControllerError.cannotAdoptCA("\(certificateFile) is valid only from \(certificate.notBefore) to \(certificate.notAfter): make a new CA")
        }
        if let attributes = try? files.attributesOfItem(atPath: keyFile),
           let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 != 0 {
            chmod(keyFile, 0o600)
            logger.notice("tightened the CA key's permissions to 0600", metadata: ["file": "\(keyFile)"])
        }
        do { return try CertificateAuthority(certificate: certificate, key: key) } catch {
            throw ControllerError.cannotAdoptCA("\(error)")
        }
    }
}

extension ControllerNetwork {
    /// A new key and certificate for the controller (CN `overlayd-controller`,
    /// SANs for the advertised and listen addresses), kept in memory only.
    static func issueServerContext(ca: NetworkCA, configuration c: ControllerConfiguration) throws -> TLSContext {
        let hosts = c.advertise.map(\.host) + [c.listen.host]
        let ips = Array(Set(hosts.filter { IPv4Address($0) != nil && $0 != "0.0.0.0" })).sorted()
        let names = Array(Set(hosts.filter { IPv4Address($0) == nil && !$0.contains(":") })).sorted()
        let key = try PrivateKey.generate()
        let csr = try CertificateSigningRequest(commonName: controllerName, key: key)
        let cert = try ca.sign(request: csr, name: controllerName, dnsNames: names, ipAddresses: ips,
                               validity: serverCertificateValidity)
        return try TLSContext(role: .server, configuration: .mutual(certificate: cert, intermediates: ca.intermediates, key: key,
                                                                    trust: ca.trusted, clientAuthentication: .optional))
    }

    /// Re-issues the controller's certificate every day until cancelled.
    func renewServerCertificate(configuration c: ControllerConfiguration, liveness: Liveness, logger: Logger) async {
        defer { liveness.retire("certificate-renewal") }
        while true {
            liveness.stamp("certificate-renewal", nextWithin: Self.serverCertificateRenewal)
            do { try await Task.sleep(nanoseconds: UInt64(Self.serverCertificateRenewal * 1e9)) } catch { return }
            do {
                serverContext.replace(with: try Self.issueServerContext(ca: ca, configuration: c))
                logger.info("controller certificate renewed", metadata: ["event": "certificate-renewed", "valid_days": "\(Int(Self.serverCertificateValidity / 86_400))"])
            } catch {
                logger.error("cannot renew the controller certificate; the current one stays in use", metadata: ["error": "\(error)"])
            }
        }
    }
}

public enum ControllerError: Error, Sendable, CustomStringConvertible, ExitStatusProviding {
    /// A lost registry stays lost: the unit does not restart over it (RestartPreventExitStatus=65).
    public var exitStatus: Int32 {
        if case .registryLost = self { return exitStatusDataDamaged }
        return 1
    }

    case damagedState(String)
    case cannotAdoptCA(String)
    case networkMismatch(stored: String, requested: String)
    case cannotCreateStateDirectory(String, String)
    /// The database is gone but the directory held a network (`network.json`).
    case registryLost(dir: String, network: String, createdAt: Date)
    case nothingToRecover(dir: String)

    public var description: String {
        switch self {
        case .damagedState(let r): return "the state directory is damaged: \(r); restore it from a backup or start with an empty one (a new network)"
        case .cannotAdoptCA(let r): return "cannot adopt the CA in the state directory: \(r)"
        case .networkMismatch(let s, let r): return "this network was created as \(s); --network \(r) cannot change it (drop the option, or start a new network in an empty --state-dir)"
        case .cannotCreateStateDirectory(let d, let r): return "cannot create the state directory \(d): \(r)"
        case .registryLost(let d, let n, let created):
            return "\(d)/controller.db holds no registry, but this state directory is the controller of network \(n) (since "
                + "\(ISO8601DateFormatter().string(from: created))): its nodes may still hold valid certificates for their names and overlay IPs, "
                + "so starting empty could give them to new nodes. Restore controller.db from a backup (docs/operations.md, "
                + "'Backing up the state directory'), or, with no backup, start once with --recover-registry to rebuild the registry "
                + "from the certificates the nodes present (new nodes wait until no old certificate can still be valid)"
        case .nothingToRecover(let d):
            return "--recover-registry is for a state directory whose controller.db was lost; \(d) has its registry: start without it"
        }
    }
}
