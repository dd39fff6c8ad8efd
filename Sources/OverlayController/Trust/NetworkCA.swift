import Foundation
import NIOConcurrencyHelpers
import OverlayProtocol
import OverlayTLS

/// The network's CAs at this moment: the one that signs, and during a
/// rollover the one it replaced, still trusted, with the cross-certificate
/// that lets nodes trusting only the old CA verify leaves of the new. Shared
/// by enrollment, renewal, the controller's TLS and the roster, and swapped
/// as a whole by `rotate` and `retire`, so none of them sees half a change.
public final class NetworkCA: Sendable {
    struct State {
        var signing: CertificateAuthority
        var previous: Certificate?
        var cross: Certificate?
    }

    private let state: NIOLockedValueBox<State>
    /// Serialises rotate and retire, which write files.
    private let changing = NIOLock()
    let files: CAFiles

    init(signing: CertificateAuthority, previous: Certificate? = nil, cross: Certificate? = nil, files: CAFiles) {
        state = NIOLockedValueBox(State(signing: signing, previous: previous, cross: cross))
        self.files = files
    }

    /// The CA new certificates are signed with.
    public var signing: CertificateAuthority { state.withLockedValue { $0.signing } }
    /// Its certificate (what the token pins, what status shows).
    public var certificate: Certificate { signing.certificate }
    public var previous: Certificate? { state.withLockedValue { $0.previous } }

    /// Every CA to trust, the signing one first.
    public var trusted: [Certificate] {
        state.withLockedValue { s in [s.signing.certificate] + (s.previous.map { [$0] } ?? []) }
    }

    /// What a leaf of the signing CA is presented with.
    public var intermediates: [Certificate] { state.withLockedValue { s in s.cross.map { [$0] } ?? [] } }

    public var bundle: TrustBundle {
        TrustBundle(cas: trusted.map(\.pem), intermediates: intermediates.map(\.pem))
    }

    /// Signs with the current signing CA.
    func sign(request: CertificateSigningRequest, name: String, dnsNames: [String] = [], ipAddresses: [String],
              validity: TimeInterval, notBefore: Date = Date()) throws -> Certificate {
        try signing.sign(request: request, name: name, dnsNames: dnsNames, ipAddresses: ipAddresses, validity: validity,
                         notBefore: notBefore)
    }

    /// Which trusted CA issued `certificate` directly (no cross-certificate), if any.
    func issuer(of certificate: Certificate) -> Certificate? {
        CertificateVerifier.directIssuer(of: certificate, among: trusted)
    }

    /// A new signing CA with the same name and a new key; the current one stays trusted until `retire`.
    func rotate(passphrase: [UInt8]) throws {
        try changing.withLock {
            let current = state.withLockedValue { $0 }
            if let previous = current.previous { throw CARolloverError.rotationUnderway(previous: previous.fingerprint) }
            let successor = try CertificateAuthority.create(commonName: current.signing.certificate.commonName ?? "overlayd network CA")
            let cross = try current.signing.crossSign(successor)
            try files.rotate(from: current.signing, to: successor, cross: cross, passphrase: passphrase)
            state.withLockedValue { $0 = State(signing: successor, previous: current.signing.certificate, cross: cross) }
        }
    }

    /// Stops trusting the previous CA, unless `stillUsing` (active nodes whose certificate it issued) is not empty.
    func retire(stillUsing: (Certificate) throws -> [String]) throws {
        try changing.withLock {
            guard let previous = state.withLockedValue({ $0.previous }) else { throw CARolloverError.nothingToRetire }
            let active = try stillUsing(previous)
            guard active.isEmpty else { throw CARolloverError.inUse(active: active.sorted()) }
            try files.retire()
            state.withLockedValue { $0.previous = nil; $0.cross = nil }
        }
    }
}
