import CastellanStore

/// The JSON forms of `device list` / `GET /v1/devices` and `device show` / `GET /v1/devices/{id}`: no secret in any of them.
public struct DeviceSummary: Encodable, Sendable, Hashable {
    public let id: String
    public let enabled: Bool
    public let policy: String
    public let groups: [String]
    public let created: Int64
    /// The scheme of the password hash imported for it (`castellan import`, docs/migration.md)
    /// while it has not logged in since, e.g. `mosquitto-pbkdf2-sha512`; absent otherwise.
    public let legacyCredential: String?
    /// The one client id it must connect with (`device client-id`); absent when it follows
    /// `client_id_binding`. Only in the JSON forms: `device list`'s text columns stay as they are.
    public let clientID: String?

    public init(_ record: DeviceRecord, legacyCredential: String? = nil) {
        id = record.id.rawValue
        enabled = record.enabled
        policy = record.policy.name
        groups = record.groups.map(\.rawValue)
        created = record.created
        self.legacyCredential = legacyCredential
        clientID = record.clientID?.rawValue
    }
}

/// `device show`: the device and what it has, keys and secrets left out.
public struct DeviceDetails: Encodable, Sendable, Hashable {
    public struct SCRAM: Encodable, Sendable, Hashable { public let mechanism: String; public let iterations: Int }
    public struct TOTP: Encodable, Sendable, Hashable {
        public let algorithm: String; public let digits: Int; public let period: Int; public let lastAcceptedStep: Int64?
    }

    public let device: DeviceSummary
    public let scram: SCRAM?
    public let totp: TOTP?
    /// Failures from every source address since the last `device unlock` (docs/lockout.md).
    public let lockoutFailures: Int
    public let rules: [RuleSummary]
    public let certificates: [CertificateSummary]
}

/// One stored ACL rule as listed.
public struct RuleSummary: Encodable, Sendable, Hashable {
    public let id: Int64
    public let scope: String
    public let name: String
    public let effect: String
    public let access: String
    public let pattern: String

    public init(_ stored: StoredACLRule) {
        id = stored.id
        switch stored.scope {
        case .device(let device): (scope, name) = ("device", device.rawValue)
        case .group(let group): (scope, name) = ("group", group.rawValue)
        }
        effect = stored.rule.effect.description
        access = stored.rule.access.description
        pattern = stored.rule.pattern.rawValue
    }
}

/// One certificate as listed.
public struct CertificateSummary: Encodable, Sendable, Hashable {
    public let serial: String
    public let fingerprint: String
    public let notBefore: Int64
    public let notAfter: Int64
    public let revokedAt: Int64?
    public let revocationReason: String?

    public init(_ record: CertificateRecord) {
        serial = record.serial
        fingerprint = record.fingerprint.description
        notBefore = record.notBefore
        notAfter = record.notAfter
        revokedAt = record.revokedAt
        revocationReason = record.revocationReason
    }
}
