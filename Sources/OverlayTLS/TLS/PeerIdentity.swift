/// Who is on the other end of a verified TLS connection. Handlers above the
/// TLS handler authorise on this, never on addresses.
public struct PeerIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The certificate's common name: the node name, or `overlayd-controller`.
    public var name: String
    /// The first IP SAN: a node's overlay IP.
    public var overlayIP: String?
    public var dnsNames: [String]
    public var serial: String
    /// SHA-256 of the certificate's DER, lower-case hex.
    public var fingerprint: String
    public var certificate: Certificate

    public init(certificate: Certificate) {
        self.certificate = certificate
        self.name = certificate.commonName ?? ""
        self.overlayIP = certificate.ipAddresses.first
        self.dnsNames = certificate.dnsNames
        self.serial = certificate.serial
        self.fingerprint = certificate.fingerprint
    }

    public var description: String {
        "\(name)\(overlayIP.map { " (\($0))" } ?? "") sha256:\(fingerprint.prefix(16))"
    }
}
