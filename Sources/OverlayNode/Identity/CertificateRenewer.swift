import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Renews the node's certificate at two thirds of its lifetime, over the
/// mutual-TLS connection to the controller and with a new key, then swaps the
/// TLS contexts so every new connection (controller, peers, listener) presents
/// the new certificate. Failures retry with backoff and show in the journal,
/// `overlayctl status` and the metrics long before the certificate expires.
final class CertificateRenewer: Sendable {
    private let identity: NIOLockedValueBox<NodeIdentity>
    private let client: ControllerClient
    private let contexts: NodeTLSContexts
    private let stateDirectory: String
    private let passphrase: [UInt8]
    private let logger: Logger
    private let state: NIOLockedValueBox<CertificateStatus>
    /// One attempt at a time: the scheduled one and one an operator asks for never overlap.
    private let attempt = NIOLockedValueBox(false)
    /// Called after a renewal is installed: the roster poll that tells this node its peers saw it.
    private let onRenewed: @Sendable () -> Void

    static let loopName = "renewal"
    static let firstRetry: TimeInterval = 5
    static let maxRetry: TimeInterval = 600
    static let callTimeout: TimeInterval = 10
    /// How soon after it sees a new signing CA a node renews onto it, at most.
    static let caMoveSpread: TimeInterval = 10

    init(identity: NodeIdentity, client: ControllerClient, contexts: NodeTLSContexts, stateDirectory: String, passphrase: [UInt8],
         logger: Logger, onRenewed: @escaping @Sendable () -> Void) {
        self.identity = NIOLockedValueBox(identity)
        self.client = client
        self.contexts = contexts
        self.stateDirectory = stateDirectory
        self.passphrase = passphrase
        self.logger = logger
        self.onRenewed = onRenewed
        let renewAt = NodeIdentity.hasPendingRenewal(in: stateDirectory) ? Date() : Self.renewalTime(of: identity.certificate)
        self.state = NIOLockedValueBox(CertificateStatus(fingerprint: identity.certificate.fingerprint,
                                                         notAfter: identity.certificate.notAfter, renewAt: renewAt))
    }

    var status: CertificateStatus { state.withLockedValue { $0 } }
    var current: NodeIdentity { identity.withLockedValue { $0 } }

    /// Two thirds into the certificate's validity period, less up to 5 % of it at random:
    /// nodes enrolled together do not all renew in the same second, every time.
    static func renewalTime(of certificate: Certificate, jitter: Double = Double.random(in: 0 ... 0.05)) -> Date {
        let span = certificate.notAfter.timeIntervalSince(certificate.notBefore)
        return certificate.notBefore.addingTimeInterval(span * (2.0 / 3 - jitter))
    }

    /// When to renew a certificate just received: two thirds in as usual, but never sooner than a tenth
    /// of its validity from `now`. A host whose clock runs ahead of the controller's by more than the
    /// renewal margin (the last third of the lifetime, plus a third of the backdating) finds every new
    /// certificate already due; without the floor it would renew again at once, in a loop that keeps
    /// the controller signing and every peer re-reading the roster.
    static func nextRenewal(of certificate: Certificate, now: Date = Date()) -> (at: Date, alreadyDue: Bool) {
        let scheduled = renewalTime(of: certificate)
        let floor = now.addingTimeInterval(certificate.notAfter.timeIntervalSince(certificate.notBefore) / 10)
        return (max(scheduled, floor), scheduled <= now)
    }

    /// The wait after `failures` failed attempts: 5 s doubling to 10 min, but never
    /// past a tenth of the time left, so attempts keep coming as expiry nears.
    static func retryDelay(failures: Int, remaining: TimeInterval) -> TimeInterval {
        let backoff = min(maxRetry, firstRetry * pow(2, Double(max(0, failures - 1))))
        return max(1, min(backoff, remaining / 10))
    }

    func run() async {
        while !Task.isCancelled {
            let wait = status.renewAt.timeIntervalSinceNow
            if wait > 0 {
                // Short naps: a CA rotation seen in the roster brings the renewal forward (`adopt`).
                do { try await Task.sleep(nanoseconds: UInt64(min(wait, 1) * 1e9)) } catch { return }
                continue
            }
            await renewOnce()
        }
    }

    /// The network's CAs from a full roster. A changed set is trusted from now on
    /// (file and TLS contexts); when the CA that signs is no longer the one that
    /// issued this node's certificate, the renewal comes forward to within
    /// `caMoveSpread`, spread so a network's nodes do not all renew in the same second.
    func adopt(_ bundle: TrustBundle) {
        let parsed: TrustBundle.Parsed
        do { parsed = try TrustBundle.Parsed(bundle) } catch {
            logger.error("the controller sent CAs this node cannot use; keeping the current ones",
                         metadata: ["event": "ca-set-refused", "error": "\(error)"])
            return
        }
        let old = current
        if parsed.cas.map(\.fingerprint) != old.trust.map(\.fingerprint) {
            guard let issuer = old.issuer, parsed.cas.contains(issuer) else {
                logger.error("\(TrustBundleError.dropsOwnIssuer)", metadata: ["event": "ca-set-refused"])
                return
            }
            do {
                let changed = try old.adoptingTrust(parsed.cas, in: stateDirectory)
                try contexts.install(changed)
                identity.withLockedValue { $0 = changed }
                logger.notice("the network's CAs changed; trusting the new set", metadata: [
                    "event": "ca-set-changed", "cas_sha256": "\(parsed.cas.map { String($0.fingerprint.prefix(16)) }.joined(separator: ","))",
                ])
            } catch {
                logger.error("cannot install the network's new CAs; keeping the current ones",
                             metadata: ["event": "ca-set-refused", "error": "\(error)"])
                return
            }
        }
        guard let signing = parsed.cas.first, current.issuer != signing else { return }
        let soon = Date().addingTimeInterval(Double.random(in: 0...Self.caMoveSpread))
        let moved = state.withLockedValue { s -> Bool in
            guard s.renewAt > soon else { return false }
            s.renewAt = soon
            return true
        }
        if moved {
            logger.notice("the network signs with a new CA; renewing onto it", metadata: [
                "event": "certificate-renewal-scheduled", "renew_at": "\(ISO8601DateFormatter().string(from: soon))",
            ])
        }
    }

    /// Renews now, whatever the schedule says: what an operator asks for with
    /// `overlayctl cert renew`, after a suspected key leak or to move onto a new CA.
    func renewNow() async -> Result<CertificateStatus, RenewalError> {
        guard let error = await renewOnce() else { return .success(status) }
        return .failure(error)
    }

    /// One attempt; the outcome is in `status`, and the error is returned too.
    @discardableResult
    func renewOnce() async -> RenewalError? {
        let busy = attempt.withLockedValue { busy in
            defer { busy = true }
            return busy
        }
        if busy { return .busy }
        defer { attempt.withLockedValue { $0 = false } }
        let old = current
        do {
            let key = try NodeIdentity.pendingKey(in: stateDirectory, passphrase: passphrase)
            let csr = try CertificateSigningRequest(commonName: old.name, key: key)
            let reply = try await client.call(.POST, "/v1/renew", body: RenewRequest(csr: csr.pem), as: RenewResponse.self,
                                              timeout: Self.callTimeout)
            let certificate = try Certificate(pem: reply.certificate)
            let bundle = try reply.trust.map { try TrustBundle.Parsed($0) }
            try (bundle ?? TrustBundle.Parsed(cas: old.trust, intermediates: [])).verify(certificate)
            guard key.matches(certificate), certificate.commonName == old.name, certificate.ipAddresses == [old.overlayIP] else {
                throw RenewalError.wrongCertificate
            }
            let renewed = try old.installingRenewal(certificate: certificate, intermediates: bundle?.intermediates ?? [],
                                                    trust: bundle?.cas, key: key, in: stateDirectory)
            try contexts.install(renewed)
            identity.withLockedValue { $0 = renewed }
            let next = Self.nextRenewal(of: certificate)
            state.withLockedValue { s in
                s = CertificateStatus(fingerprint: certificate.fingerprint, notAfter: certificate.notAfter,
                                      renewAt: next.at, renewals: s.renewals + 1, lastRenewedAt: Date())
            }
            logger.notice("certificate renewed with a new key", metadata: [
                "event": "certificate-renewed", "node": "\(old.name)", "old_cert_sha256": "\(old.certificate.fingerprint.prefix(16))",
                "cert_sha256": "\(certificate.fingerprint.prefix(16))",
                "not_after": "\(ISO8601DateFormatter().string(from: certificate.notAfter))"])
            if next.alreadyDue {
                logger.warning("the new certificate is already due for renewal by this host's clock, which must run ahead of the controller's; the next renewal waits a tenth of its validity (check the clock)", metadata: [
                    "event": "certificate-clock-ahead", "node": "\(old.name)",
                    "not_before": "\(ISO8601DateFormatter().string(from: certificate.notBefore))",
                    "clock": "\(ISO8601DateFormatter().string(from: Date()))",
                    "renew_at": "\(ISO8601DateFormatter().string(from: next.at))"])
            }
            // The keep-alive connection still presents the old certificate, which the controller now refuses.
            client.retire()
            onRenewed()
            return nil
        } catch {
            let reason = Self.reason(error, controller: client.description)
            let (failures, next, notAfter) = state.withLockedValue { s -> (Int, Date, Date) in
                s.failures += 1
                s.lastError = reason
                s.renewAt = Date().addingTimeInterval(Self.retryDelay(failures: s.failures, remaining: s.notAfter.timeIntervalSinceNow))
                return (s.failures, s.renewAt, s.notAfter)
            }
            logger.error("certificate renewal failed; retrying", metadata: [
                "event": "certificate-renewal-failed", "node": "\(old.name)", "error": "\(reason)", "failures": "\(failures)",
                "retry_at": "\(ISO8601DateFormatter().string(from: next))",
                "not_after": "\(ISO8601DateFormatter().string(from: notAfter))"])
            return .failed(reason, retryAt: next)
        }
    }
}

extension CertificateRenewer {
    /// A failed attempt in the words `overlayctl status` and the journal show: what the
    /// controller answered, or why it could not be reached (not NIO's description of it).
    static func reason(_ error: any Error, controller: String) -> String {
        if let refusal = error as? APIError { return refusal.message }
        if let connect = error as? NIOConnectionError {
            let causes = Set(connect.connectionErrors.map { words($0.error) }).sorted()
            return "cannot reach the controller at \(controller): \(causes.isEmpty ? "\(error)" : causes.joined(separator: "; "))"
        }
        if error is HTTPRequestTimeout { return "the controller at \(controller): \(error)" }
        if error is IOError || error is ChannelError {
            return "the connection to the controller at \(controller) failed: \(words(error))"
        }
        return "\(error)"
    }

    private static func words(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if case ChannelError.connectTimeout = error { return "no TCP connection within \(Int(ControllerClient.connectTimeoutSeconds)) s" }
        if case ChannelError.eof = error { return "closed by the controller" }
        return "\(error)"
    }
}

enum RenewalError: Error, CustomStringConvertible {
    case wrongCertificate
    /// Another attempt is under way (the scheduled one, or another operator's).
    case busy
    case failed(String, retryAt: Date)

    var description: String {
        switch self {
        case .busy:
            return "a renewal is already under way; see 'overlayctl status' for its outcome"
        case .failed(let reason, let retryAt):
            return "renewal failed: \(reason); the node keeps its current certificate and retries at \(ISO8601DateFormatter().string(from: retryAt))"
        case .wrongCertificate:
            return "the controller answered the renewal with a certificate for another key, name or overlay IP; keeping the current one"
        }
    }
}
