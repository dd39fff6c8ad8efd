import OverlayTLS

/// The node's two TLS contexts (dialing: controller and peers; answering: the
/// peer listener), replaced together when the certificate is renewed or the network's CAs change. Every
/// new connection reads the current one; connections already open keep theirs.
struct NodeTLSContexts: Sendable {
    let client: TLSContextBox
    let server: TLSContextBox

    init(_ identity: NodeIdentity) throws {
        let tls = TLSConfiguration.mutual(certificate: identity.certificate, intermediates: identity.intermediates, key: identity.key,
                                                trust: identity.trust)
        client = TLSContextBox(try TLSContext(role: .client, configuration: tls))
        server = TLSContextBox(try TLSContext(role: .server, configuration: tls))
    }

    func install(_ identity: NodeIdentity) throws {
        let tls = TLSConfiguration.mutual(certificate: identity.certificate, intermediates: identity.intermediates, key: identity.key,
                                                trust: identity.trust)
        let client = try TLSContext(role: .client, configuration: tls)
        let server = try TLSContext(role: .server, configuration: tls)
        self.client.replace(with: client)
        self.server.replace(with: server)
    }
}
