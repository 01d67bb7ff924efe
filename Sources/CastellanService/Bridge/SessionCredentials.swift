import CastellanAuth
import CastellanStore

/// What a session authenticated with: the certificate it presented and stamps of the stored
/// credentials it proved. A change to the store kicks a session only when it touches one of
/// these — so a session opened with a password set a moment ago is not kicked when the notifier
/// applies that very change a moment later.
public struct SessionCredentials: Sendable, Hashable {
    /// The serial (lower-case hex) of the client certificate, for a certificate session.
    public var certificateSerial: String?
    /// The password / SCRAM credential proven, if the policy uses one.
    public var secret: CredentialStamp?
    /// The TOTP enrolment a code was checked against, if the policy uses one.
    public var totp: CredentialStamp?

    public init(certificateSerial: String? = nil, secret: CredentialStamp? = nil, totp: CredentialStamp? = nil) {
        self.certificateSerial = certificateSerial
        self.secret = secret
        self.totp = totp
    }

    /// What a device of `profile` proves under its policy (the certificate serial aside).
    init(profile: ConnectProfile, certificateSerial: String?) {
        let policy = profile.device.policy
        self.init(
            certificateSerial: certificateSerial,
            secret: policy.usesPassword || policy.usesSCRAM ? profile.scram.map(CredentialStamp.init) : nil,
            totp: policy.requiresTOTP ? profile.totp.map(CredentialStamp.init) : nil)
    }

    /// Whether a session with these credentials may stay, against the device's profile now
    /// (`nil`: the device is gone): enabled, its certificate not revoked (`revoked`), and the
    /// password and TOTP enrolment it proved still the ones on record.
    func stillHold(in profile: ConnectProfile?, certificateRevoked revoked: Bool) -> Bool {
        guard let profile, profile.device.enabled, !revoked else { return false }
        if let secret, profile.scram.map(CredentialStamp.init) != secret { return false }
        if let totp, profile.totp.map(CredentialStamp.init) != totp { return false }
        return true
    }
}
