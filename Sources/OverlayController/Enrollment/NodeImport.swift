import Foundation
import Logging
import OverlayCore
import OverlayHTTP
import OverlayTLS

/// Registers a pre-made node certificate (`overlayctl node add --cert`): it
/// must be one the controller could have signed itself, for a free name and
/// a free overlay IP of this network.
enum NodeImport {
    static func register(pem: String, context c: ControlAPI.Context, now: Date = Date()) throws(HTTPResponse) -> NodeRecord {
        let ca = c.ca
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
        do { try CertificateVerifier.verify(cert, chainsTo: ca.certificate, at: now) } catch {
            if let other = ca.trusted.dropFirst().first, (try? CertificateVerifier.verify(cert, chainsTo: other, at: now)) != nil {
                throw .error(.badRequest, "retiring_ca",
                             "\(cert) was issued by the previous network CA (sha256 \(other.fingerprint.prefix(16))…), which is being retired; sign it with the current ca.crt and ca.key")
            }
            throw .error(.badRequest, "foreign_certificate",
                         "\(cert) was not issued by this network's CA '\(ca.certificate.commonName ?? "?")' (sha256 \(ca.certificate.fingerprint.prefix(16))…): \(error); sign it with this controller's ca.crt and ca.key (make-node.sh -c DIR)")
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
        guard cert.allowsTLSClientAndServer else {
            throw invalid("the certificate's extended key usage must include both serverAuth and clientAuth (every node dials and answers)")
        }
        let record = NodeRecord(name: name, overlayIP: ip.description, fingerprint: cert.fingerprint, serial: cert.serial,
                                certificate: cert.pem, registeredAt: now, tokenID: "imported")
        let node: NodeRecord
        do {
            node = try c.store.importNode(record, network: c.range)
        } catch let error as EnrollmentError {
            throw refusal(error)
        } catch {
            throw ControlAPI.storage(error)
        }
        c.roster.registered(node)
        c.logger.notice("node certificate imported", metadata: ["event": "node-imported", "node": "\(node.name)", "ip": "\(node.overlayIP)",
                                                              "cert_sha256": "\(node.fingerprint.prefix(16))",
                                                              "cert_not_after": "\(cert.notAfter)"])
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
}
