import CastellanAuth
import CastellanBridge
import Foundation
import Supervision

/// Decides connects that present a client certificate: policies `cert` and `cert+totp`.
///
/// Stateless between requests: the verified-chain cache is the verifier's, shared by the pool
/// and rebuilt on reload. A certificate not in that cache is not verified here: the worker
/// answers ``CertificateAnswer/cold`` and the chain is verified on ``ColdCheckPool``, outside
/// the worker (a worker serves one request at a time, so a chain verification inside it would
/// make the next request — a cached certificate, say — wait behind it); the request then comes
/// back with the verified identity (``CertificateConnect/verified``).
struct CertificateAuthWorker: WorkerBehavior {
    let context: ServiceContext

    mutating func handle(_ connect: CertificateConnect) async throws -> CertificateAnswer {
        let request = connect.request
        let method = AuthMethod.certificate
        guard let verifier = context.certificateVerifier else {
            return .decided(.deny(.notPermitted("no device CA configured (ca.pem missing)"), method: method))
        }
        let certificate: CertificateIdentity
        if let verified = connect.verified {
            certificate = verified
        } else {
            let now = Date()
            guard verifier.cache.lookup(derEncoded: request.certificate, at: now) != nil else { return .cold }
            // Cached: the verifier still asks the revocation list, as at every connect.
            switch try await verifier.verify(derEncoded: request.certificate, at: now) {
            case .denied(let reason): return .decided(.deny(reason, method: method))
            case .verified(let verified): certificate = verified
            }
        }
        return .decided(try await decide(request, certificate: certificate))
    }

    private func decide(_ request: BasicAuthRequest, certificate: CertificateIdentity) async throws -> AuthOutcome {
        let method = AuthMethod.certificate
        let identity = certificate.deviceID
        let gate = DeviceGate(context: context, address: request.address)
        let device: DeviceGate.Candidate
        switch try await gate.device(identity, allowing: [.cert, .certTOTP], method: method) {
        case .refused(let refusal): return refusal
        case .ready(let candidate): device = candidate
        }
        if device.policy == .certTOTP {
            // The code travels as the MQTT password; checked only after the certificate verified.
            guard let password = request.password, let code = String(validating: password, as: UTF8.self) else {
                gate.failed(device)
                return .deny(.totpMissing(), identity: identity, method: .certificateTOTP)
            }
            if let refusal = try await gate.checkTOTP(code, device: device) {
                gate.failed(device)
                return .deny(refusal, identity: identity, method: .certificateTOTP)
            }
            return try await gate.admit(device, clientID: request.clientID, username: request.username, certificate: certificate,
                                        method: .certificateTOTP)
        }
        let outcome = try await gate.admit(device, clientID: request.clientID, username: request.username, certificate: certificate, method: method)
        if let clientID = request.clientID {
            gate.remember(outcome, of: device, proof: .certificate(certificate.fingerprint), clientID: clientID, username: request.username)
        }
        return outcome
    }
}

/// A certificate connect for the certificate pool.
struct CertificateConnect: Sendable {
    let request: BasicAuthRequest
    /// The certificate's identity, when it was just verified (revocation included) on the
    /// cold-check threads; `nil` on the first submission.
    var verified: CertificateIdentity? = nil
}

/// What the certificate worker came to: a decision, or "verify the chain first".
enum CertificateAnswer: Sendable {
    case decided(AuthOutcome)
    /// The certificate is not in the verified cache: verify it on the cold pool.
    case cold
}

extension WorkerPool<CertificateAuthWorker> {
    /// Decides `request` on a worker of `lane`, verifying a certificate seen for the first
    /// time on the cold pool in between (outside any worker). A full cold pool refuses at once.
    ///
    /// Idempotent submissions: the worker reads, and only counts a failure of a device that
    /// could try, as a password retry after a worker's death does (docs/supervision.md).
    func decide(_ request: BasicAuthRequest, lane: Int?, context: ServiceContext) async throws -> AuthOutcome {
        let method = AuthMethod.certificate
        switch try await submit(CertificateConnect(request: request), lane: lane, idempotent: true) {
        case .decided(let outcome):
            return outcome
        case .cold:
            break
        }
        guard let verifier = context.certificateVerifier else {
            return .deny(.notPermitted("no device CA configured (ca.pem missing)"), method: method)
        }
        let der = request.certificate
        let checked = await context.coldChecks.run { () async -> Result<CertificateDecision, any Error> in
            do { return .success(try await verifier.verify(derEncoded: der, at: Date())) } catch { return .failure(error) }
        }
        guard let checked else { return .deny(.unavailable("certificate checks busy"), method: method) }
        switch try checked.get() {
        case .denied(let reason):
            return .deny(reason, method: method)
        case .verified(let identity):
            let verified = CertificateConnect(request: request, verified: identity)
            guard case .decided(let outcome) = try await submit(verified, lane: lane, idempotent: true) else {
                return .deny(.unavailable("certificate verified but not decided"), method: method)  // a verified connect is always decided
            }
            return outcome
        }
    }
}
