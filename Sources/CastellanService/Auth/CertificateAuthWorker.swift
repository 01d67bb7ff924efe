import CastellanAuth
import CastellanBridge
import Foundation
import Supervision

/// Decides connects that present a client certificate: policies `cert` and `cert+totp`.
///
/// Stateless between requests: the verified-chain cache is the verifier's, shared by the pool
/// and rebuilt on reload.
struct CertificateAuthWorker: WorkerBehavior {
    let context: ServiceContext

    mutating func handle(_ request: BasicAuthRequest) async throws -> AuthOutcome {
        let method = AuthMethod.certificate
        guard let verifier = context.certificateVerifier else {
            return .deny(.notPermitted("no device CA configured (ca.pem missing)"), method: method)
        }
        let certificate: CertificateIdentity
        switch try await verifier.verify(derEncoded: request.certificate, at: Date()) {
        case .denied(let reason): return .deny(reason, method: method)
        case .verified(let verified): certificate = verified
        }
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
        return try await gate.admit(device, clientID: request.clientID, username: request.username, certificate: certificate, method: method)
    }
}
