import CastellanStore

/// The JSON and table forms of `device list` and `device show`: no secret in any of them.
struct DeviceSummary: Encodable {
    let id: String
    let enabled: Bool
    let policy: String
    let groups: [String]
    let created: Int64

    init(_ record: DeviceRecord) {
        id = record.id.rawValue
        enabled = record.enabled
        policy = record.policy.name
        groups = record.groups.map(\.rawValue)
        created = record.created
    }
}

/// `device show`: the device and what it has, keys and secrets left out.
struct DeviceDetails: Encodable {
    struct SCRAM: Encodable { let mechanism: String; let iterations: Int }
    struct TOTP: Encodable { let algorithm: String; let digits: Int; let period: Int; let lastAcceptedStep: Int64? }

    let device: DeviceSummary
    let scram: SCRAM?
    let totp: TOTP?
    let lockoutFailures: Int
    let rules: [RuleSummary]
    let certificates: [CertificateSummary]

    var lines: [String] {
        var lines = [
            "id: \(device.id)",
            "enabled: \(device.enabled ? "yes" : "no")",
            "policy: \(device.policy)",
            "groups: \(device.groups.isEmpty ? "-" : device.groups.joined(separator: ","))",
            "created: \(device.created)",
            "scram: \(scram.map { "\($0.mechanism), \($0.iterations) iterations" } ?? "none")",
            "totp: \(totp.map { "\($0.algorithm), \($0.digits) digits, \($0.period) s" } ?? "none")",
            "lockout failures: \(lockoutFailures)",
        ]
        lines.append("rules: \(rules.isEmpty ? "none" : "")")
        lines += rules.map { "  \($0.id) \($0.effect) \($0.access) \($0.pattern)" }
        lines.append("certificates: \(certificates.isEmpty ? "none" : "")")
        lines += certificates.map { "  \($0.serial) \($0.revokedAt == nil ? "valid" : "revoked (\($0.revocationReason ?? "-"))")" }
        return lines
    }
}

/// One stored ACL rule as listed.
struct RuleSummary: Encodable {
    let id: Int64
    let scope: String
    let name: String
    let effect: String
    let access: String
    let pattern: String

    init(_ stored: StoredACLRule) {
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
struct CertificateSummary: Encodable {
    let serial: String
    let fingerprint: String
    let notBefore: Int64
    let notAfter: Int64
    let revokedAt: Int64?
    let revocationReason: String?

    init(_ record: CertificateRecord) {
        serial = record.serial
        fingerprint = record.fingerprint.description
        notBefore = record.notBefore
        notAfter = record.notAfter
        revokedAt = record.revokedAt
        revocationReason = record.revocationReason
    }
}
