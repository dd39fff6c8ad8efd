import Foundation
import OverlayProtocol
import OverlayTLS

extension TrustBundle {
    /// A bundle from the controller, checked before a node trusts it: every CA
    /// parses and is a CA, and there is at least one.
    struct Parsed {
        var cas: [Certificate]
        var intermediates: [Certificate]

        init(cas: [Certificate], intermediates: [Certificate]) {
            self.cas = cas; self.intermediates = intermediates
        }

        init(_ bundle: TrustBundle) throws {
            cas = try bundle.cas.map { try Certificate(pem: $0) }
            intermediates = try bundle.intermediates.map { try Certificate(pem: $0) }
            guard !cas.isEmpty else { throw TrustBundleError.empty }
            if let notCA = (cas + intermediates).first(where: { !$0.isCA }) { throw TrustBundleError.notCA(notCA.description) }
        }

        /// `certificate` chains to one of the CAs, through the intermediates if need be.
        func verify(_ certificate: Certificate) throws {
            var last: any Error = TrustBundleError.empty
            for ca in cas {
                do { return try CertificateVerifier.verify(certificate, chainsTo: ca, intermediates: intermediates) } catch { last = error }
            }
            throw last
        }
    }
}

enum TrustBundleError: Error, CustomStringConvertible {
    case empty
    case notCA(String)
    /// The new set leaves out the CA of this node's own certificate: trusting it would cut the node off.
    case dropsOwnIssuer

    var description: String {
        switch self {
        case .empty: return "the controller sent an empty set of CAs"
        case .notCA(let c): return "the controller sent \(c) as a CA, and it is not one"
        case .dropsOwnIssuer:
            return "the controller's CAs no longer include the one that issued this node's certificate; keeping the current set "
                + "(the node needs 'overlayctl cert renew', or a new token if the old CA was retired)"
        }
    }
}
