import CastellanAuth

/// Everything the connect path reads about one device (record, credentials, rules, lockout), in one call and one consistent snapshot.
///
/// Why one value: a connect blocks the broker's only thread, so the service asks the store once
/// (SQLite: one read transaction; PostgreSQL: one statement, one round trip) instead of once per
/// record, and never sees a device from before a change with rules from after it.
public struct ConnectProfile: Sendable {
    /// The device.
    public let device: DeviceRecord
    /// Its SCRAM credential, if one is set.
    public let scram: SCRAMCredential?
    /// Its TOTP enrolment, still sealed (``SealedTOTPEnrolment/open()`` when a code is checked); `nil` if not enrolled.
    public let totp: SealedTOTPEnrolment?
    /// Its own rules and its groups' rules, in rule-id order (as ``CredentialStore/effectiveRules(device:)``).
    public let rules: [ACLRule]
    /// Its lockout total: failures from every source address since the last unlock (empty if none).
    public let lockout: LockoutRecord
    /// The failures from the source the read asked about (empty if none, or no source was given).
    public let sourceLockout: LockoutRecord
    /// Its imported password hash (`castellan import`), until the first successful login
    /// replaces it with ``scram``; `nil` for every device that has SCRAM keys.
    public let legacy: LegacyPasswordHash?

    /// A profile.
    public init(device: DeviceRecord, scram: SCRAMCredential?, totp: SealedTOTPEnrolment?, rules: [ACLRule], lockout: LockoutRecord,
                sourceLockout: LockoutRecord = LockoutRecord(), legacy: LegacyPasswordHash? = nil) {
        self.device = device
        self.scram = scram
        self.totp = totp
        self.rules = rules
        self.lockout = lockout
        self.sourceLockout = sourceLockout
        self.legacy = legacy
    }
}
