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
    /// Called after a renewal is installed: the roster poll that tells this node its peers saw it.
    private let onRenewed: @Sendable () -> Void

    static let loopName = "renewal"
    static let firstRetry: TimeInterval = 5
    static let maxRetry: TimeInterval = 600
    static let callTimeout: TimeInterval = 10

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
                do { try await Task.sleep(nanoseconds: UInt64(min(wait, 3600) * 1e9)) } catch { return }
                continue
            }
            await renewOnce()
        }
    }

    /// One attempt; the outcome is in `status`.
    func renewOnce() async {
        let old = current
        do {
            let key = try NodeIdentity.pendingKey(in: stateDirectory, passphrase: passphrase)
            let csr = try CertificateSigningRequest(commonName: old.name, key: key)
            let reply = try await client.call(.POST, "/v1/renew", body: RenewRequest(csr: csr.pem), as: RenewResponse.self,
                                              timeout: Self.callTimeout)
            let certificate = try Certificate(pem: reply.certificate)
            try CertificateVerifier.verify(certificate, chainsTo: old.ca)
            guard key.matches(certificate), certificate.commonName == old.name, certificate.ipAddresses == [old.overlayIP] else {
                throw RenewalError.wrongCertificate
            }
            let renewed = try old.installingRenewal(certificate: certificate, key: key, in: stateDirectory)
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

    var description: String {
        switch self {
        case .wrongCertificate:
            return "the controller answered the renewal with a certificate for another key, name or overlay IP; keeping the current one"
        }
    }
}
