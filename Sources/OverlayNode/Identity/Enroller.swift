import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OverlayCore
import OverlayProtocol
import OverlayTLS

/// Flow 1 from the node's side. The node does not have the CA yet, so it
/// trusts the controller only if the controller's chain contains a CA with
/// the fingerprint in the token and its certificate chains to it and names
/// `overlayd-controller`. The token secret never leaves this process.
///
/// A controller that says "later" (429 over its per-address enrollment rate,
/// 503 with too many enrollments in progress) is asked again after its
/// `Retry-After`, backing off and spread by jitter, so many nodes enrolling
/// behind one NAT all get in without anyone restarting them.
struct Enroller {
    let name: String
    let token: JoinToken
    let requestedIP: String?
    let group: any EventLoopGroup
    let logger: Logger
    /// How long to keep asking a controller that answers "later" before giving up.
    var patience: TimeInterval = 15 * 60

    /// Enrolls with `key`, which the caller has already saved: if the answer
    /// is lost, a retry with the same key gets the same certificate back.
    func enroll(key: PrivateKey) async throws -> NodeIdentity {
        let csr = try CertificateSigningRequest(commonName: name, key: key)
        let context = try TLSContext(role: .client, configuration: TLSConfiguration(
            certificateChain: [], privateKey: nil, trust: .pinnedCAFingerprint(token.caFingerprint), clientAuthentication: .none))
        let clock = ContinuousClock()
        let started = clock.now
        var backoff = EnrollmentBackoff()
        while true {
            do {
                return try await attempt(csr: csr, context: context, key: key)
            } catch let busy as ControllerBusy {
                // "Later" beyond all patience (a controller rebuilding its registry says days) is a refusal for now.
                if let later = busy.retryAfter, later > patience { throw NodeError.enrollmentRefused(busy.message) }
                let delay = backoff.next(retryAfter: busy.retryAfter)
                let waited = Double((clock.now - started).components.seconds)
                guard waited + delay <= patience else {
                    throw NodeError.controllerBusy(minutes: Int(patience / 60), busy.message)
                }
                logger.notice("the controller asks to enroll later; retrying", metadata: [
                    "event": "enrollment-retry", "controller": "\(busy.controller)", "retry_in": "\(DurationParser.format(delay))",
                    "error": "\(busy.message)",
                ])
                // Under systemd the start is not over until READY: keep its start timeout from running out meanwhile.
                SystemdNotifier().send(["STATUS=enrolling: the controller asks to wait, next attempt in \(DurationParser.format(delay))",
                                        "EXTEND_TIMEOUT_USEC=\(Int((delay + 60) * 1e6))"])
                try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            }
        }
    }

    /// One pass over the token's controller addresses.
    private func attempt(csr: CertificateSigningRequest, context: TLSContext, key: PrivateKey) async throws -> NodeIdentity {
        var lastError = ""
        for address in token.controllers {
            let target: HostPort
            do { target = try HostPort(parsing: address) } catch { lastError = "\(error)"; continue }
            let connection: HTTPClientConnection
            do {
                connection = try await HTTPClientConnection.connect(host: target.host, port: target.port, group: group) { channel in
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(
                        context: context, serverName: target.host, policy: .expectName(ControllerClient.controllerName)))
                }
            } catch {
                lastError = "\(address): \(error)"
                logger.warning("controller unreachable for enrollment", metadata: ["controller": "\(address)", "error": "\(error)"])
                continue
            }
            defer { Task { await connection.close() } }
            let nonce: NonceResponse
            do {
                nonce = try await post("/v1/enroll/nonce", body: nil, as: NonceResponse.self, on: connection, controller: address)
            } catch let error as APIError {
                throw NodeError.enrollmentRefused(error.message)
            } catch let busy as ControllerBusy {
                throw busy
            } catch {
                lastError = "\(address): \(error)"
                continue
            }
            let verifier = JoinProof.verifier(secret: token.secretBytes)
            let proof = JoinProof.proof(verifier: verifier, tokenID: token.id, nonce: nonce.nonce, name: name,
                                        requestedIP: requestedIP, csrPEM: csr.pem)
            let request = EnrollRequest(tokenID: token.id, nonce: nonce.nonce, name: name, requestedIP: requestedIP,
                                        csr: csr.pem, proof: proof)
            let reply: EnrollResponse
            do {
                reply = try await post("/v1/enroll", body: OverlayJSON.encode(request), as: EnrollResponse.self, on: connection,
                                       controller: address)
            } catch let error as APIError {
                throw NodeError.enrollmentRefused(error.message)
            }
            let certificate = try Certificate(pem: reply.certificate)
            let bundle = try TrustBundle.Parsed(reply.trust ?? TrustBundle(cas: [reply.caCertificate]))
            // The token pins one CA; during a CA rollover the controller vouches for the other over this same pinned channel.
            guard bundle.cas.contains(where: { $0.fingerprint == token.caFingerprint.lowercased() }) else {
                throw NodeError.enrollmentRefused("the controller returned CAs none of which matches the token's fingerprint")
            }
            try bundle.verify(certificate)
            guard key.matches(certificate), certificate.commonName == name else {
                throw NodeError.enrollmentRefused("the controller returned a certificate for another key or name")
            }
            return NodeIdentity(name: name, overlayIP: reply.overlayIP, network: reply.network, controllers: token.controllers,
                                certificate: certificate, key: key, trust: bundle.cas, intermediates: bundle.intermediates)
        }
        throw NodeError.controllerUnreachable(token.controllers, lastError)
    }

    /// A POST whose 429 or 503 becomes `ControllerBusy` (with its `Retry-After`), any other 4xx/5xx an `APIError`.
    private func post<Reply: Decodable>(_ path: String, body: [UInt8]?, as: Reply.Type, on connection: HTTPClientConnection,
                                        controller: String) async throws -> Reply {
        let response = try await connection.request(.POST, path, body: body)
        if response.status == .tooManyRequests || response.status == .serviceUnavailable {
            let message = (try? OverlayJSON.decoder().decode(APIError.self, from: Data(response.body)))?.message
                ?? "HTTP \(response.status.code) \(response.status.reasonPhrase)"
            throw ControllerBusy(controller: controller, message: message,
                                 retryAfter: response.headers.first(name: "retry-after").flatMap { Double($0) })
        }
        return try OverlayJSONBridge.decodeReply(response, as: Reply.self)
    }
}

/// The controller answered "not now" (429 or 503); `retryAfter` in seconds when it said.
struct ControllerBusy: Error {
    var controller: String
    var message: String
    var retryAfter: Double?
}
