import CastellanAuth
import CastellanBridge
import CastellanStore

/// Whether a session admitted earlier — perhaps by a service instance that is gone — may stay,
/// judged from its ``SessionTag`` against the store as it is now.
///
/// Used when a plugin reports its live connections after a handshake (a service restart, a
/// plugin reconnect, a dropped link): whatever changed while nobody was listening is applied
/// then. Checks, in order: the device exists and is enabled; its policy still asks for the
/// factors the session used; a certificate session's
/// certificate is still on record, unrevoked, with the same fingerprint. A session that passes
/// gets the device's current rules (the caller pushes them).
///
/// Extension point: a change log can add "a credential the session used changed after
/// ``SessionTag/watermark``" here, beside the other checks.
struct SessionRecheck: Sendable {
    let store: any CredentialStore

    /// What to do with the session.
    enum Verdict: Sendable, Equatable {
        /// It may stay, with these rules.
        case keep(ClientACL)
        /// It must go; the reason is for the log.
        case kick(String)
    }

    /// Judges one session. Throws only when the store cannot be read (the caller fails closed).
    func verdict(for tag: SessionTag, clientID: String) async throws -> Verdict {
        guard let device = try await store.device(tag.device) else { return .kick("device removed") }
        guard device.enabled else { return .kick("device disabled") }
        guard SessionFactors(device.policy) == tag.factors else { return .kick("policy changed to \(device.policy)") }
        if tag.factors.contains(.certificate) {
            guard let serial = tag.certificateSerial, let fingerprint = tag.certificateFingerprint else {
                return .kick("certificate session without its certificate")
            }
            guard let record = try await store.certificate(serial: serial), record.fingerprint == fingerprint,
                  record.device == tag.device else {
                return .kick("certificate no longer on record")
            }
            if record.isRevoked { return .kick("certificate revoked") }
        }
        return .keep(try ConnectionRules.resolve(device, stored: try await store.effectiveRules(device: tag.device), clientID: clientID))
    }
}
