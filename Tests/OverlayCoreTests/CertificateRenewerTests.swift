import Foundation
import NIOCore
@testable import OverlayCore
@testable import OverlayNode
import OverlayProtocol
import OverlayTLS
import Testing

/// When a node renews the certificate it was just given, and how a failed renewal reads.
@Suite struct CertificateRenewerTests {
    static let issued = Date(timeIntervalSince1970: 1_800_000_000)

    /// A one-hour certificate signed at `issued` (backdated 15 minutes, so its validity is 75 minutes).
    static func certificate() throws -> Certificate {
        let ca = try CertificateAuthority.create(commonName: "schedule test CA")
        let csr = try CertificateSigningRequest(commonName: "alice", key: try PrivateKey.generate())
        return try ca.sign(request: csr, name: "alice", ipAddresses: ["100.64.0.2"], validity: 3600, notBefore: issued)
    }

    @Test("a clock that agrees with the controller's renews two thirds into the validity, less up to 5 % of it")
    func onSchedule() throws {
        let cert = try Self.certificate()
        let span = cert.notAfter.timeIntervalSince(cert.notBefore)
        #expect(span == 75 * 60)
        let next = CertificateRenewer.nextRenewal(of: cert, now: Self.issued.addingTimeInterval(1))
        #expect(!next.alreadyDue)
        #expect(next.at <= cert.notBefore.addingTimeInterval(span * 2 / 3))
        #expect(next.at >= cert.notBefore.addingTimeInterval(span * (2.0 / 3 - 0.05)))
    }

    @Test("a clock 40 minutes ahead finds the new certificate already due: the next renewal waits a tenth of the validity instead of coming at once")
    func clockFarAhead() throws {
        let cert = try Self.certificate()
        let now = Self.issued.addingTimeInterval(40 * 60)
        let next = CertificateRenewer.nextRenewal(of: cert, now: now)
        #expect(next.alreadyDue)
        #expect(next.at == now.addingTimeInterval(7.5 * 60))
    }

    @Test("a failed renewal reads as what the controller said, or why it could not be reached")
    func failureInWords() {
        #expect(CertificateRenewer.reason(APIError("certificate_superseded", "a newer certificate of alice exists"), controller: "c:7443")
                == "a newer certificate of alice exists")
        #expect(CertificateRenewer.reason(IOError(errnoCode: ECONNRESET, reason: "read"), controller: "198.18.0.1:7443")
                == "the connection to the controller at 198.18.0.1:7443 failed: connection reset by peer")
        #expect(CertificateRenewer.reason(HTTPRequestTimeout(method: "POST", path: "/v1/renew", seconds: 10), controller: "198.18.0.1:7443")
                == "the controller at 198.18.0.1:7443: no answer to POST /v1/renew within 10s")
        #expect(CertificateRenewer.reason(ChannelError.eof, controller: "198.18.0.1:7443")
                == "the connection to the controller at 198.18.0.1:7443 failed: closed by the controller")
    }
}
