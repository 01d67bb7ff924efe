import CastellanAuth
import CastellanBridge
import CastellanStore

/// Whether a session admitted earlier — perhaps by a service instance that is gone — may stay,
/// judged from its ``SessionTag`` against the store as it is now.
///
/// Used when a plugin reports its live connections after a handshake (a service restart, a
/// plugin reconnect, a dropped link): whatever changed while nobody was listening is applied
/// then; and by the notifier for the sessions a change touches. Checks, in order: the device
/// exists and is enabled; the session's client id still fits it — its bound client id if it has
/// one, `client_id_binding` otherwise (``ConnectIdentityCheck/clientIDDenial(clientID:identity:bound:)``,
/// the rule a connect is admitted by); its policy still asks for the factors the session used; the password
/// and TOTP enrolment it proved are still the ones on record (``CredentialStamp``); a
/// certificate session's certificate is still on record, unrevoked, with the same fingerprint.
/// A session that passes gets the device's current rules (the caller pushes them).
///
/// Judging by the store as it is, not by the change that prompted the check, is what makes a
/// late notifier safe: a session opened with a password set a moment before is not kicked when
/// the notifier applies that change a moment later.
struct SessionRecheck: Sendable {
    let store: any CredentialStore
    /// The connect rules of this service (``ServiceSettings/identityCheck``).
    let identity: ConnectIdentityCheck

    /// What to do with the session.
    enum Verdict: Sendable, Equatable {
        /// It may stay, with these rules.
        case keep(ClientACL)
        /// It must go; the reason is for the log.
        case kick(String)
    }

    /// Judges one session. Throws only when the store cannot be read (the caller fails closed).
    func verdict(for tag: SessionTag, clientID: String) async throws -> Verdict {
        guard let profile = try await store.connectProfile(device: tag.device) else { return .kick("device removed") }
        let device = profile.device
        guard device.enabled else { return .kick("device disabled") }
        if identity.clientIDDenial(clientID: clientID, identity: device.id, bound: device.clientID) != nil {
            return .kick(device.clientID == nil ? "client id does not fit client_id_binding" : "client id is not the device's bound client id")
        }
        guard SessionFactors(device.policy) == tag.factors else { return .kick("policy changed to \(device.policy)") }
        if tag.factors.contains(.secret), profile.scram.map(CredentialStamp.init) != tag.secretStamp {
            return .kick("password changed")
        }
        if tag.factors.contains(.totp), profile.totp.map(CredentialStamp.init) != tag.totpStamp {
            return .kick("TOTP enrolment changed")
        }
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
        return .keep(try ConnectionRules.resolve(device, stored: profile.rules, clientID: clientID))
    }
}
