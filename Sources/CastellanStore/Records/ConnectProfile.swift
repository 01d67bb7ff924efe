import CastellanAuth

/// Everything the connect path reads about one device, in one call and one consistent snapshot.
///
/// Why one value: a connect blocks the broker's only thread, so the service asks the store once
/// (SQLite: one read transaction; PostgreSQL: one statement, one round trip) instead of once per
/// record, and never sees a device from before a change with rules from after it.
public struct ConnectProfile: Sendable {
    /// The device.
    public let device: DeviceRecord
    /// Its SCRAM credential, if one is set.
    public let scram: SCRAMCredential?
    /// Its TOTP enrolment, opened, with the last accepted step; `nil` if not enrolled.
    public let totp: TOTPEnrolment?
    /// Its own rules and its groups' rules, in rule-id order (as ``CredentialStore/effectiveRules(device:)``).
    public let rules: [ACLRule]

    /// A profile.
    public init(device: DeviceRecord, scram: SCRAMCredential?, totp: TOTPEnrolment?, rules: [ACLRule]) {
        self.device = device
        self.scram = scram
        self.totp = totp
        self.rules = rules
    }
}
