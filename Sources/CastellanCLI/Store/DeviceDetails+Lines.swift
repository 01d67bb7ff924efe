import CastellanFleet

extension DeviceDetails {
    /// The text form of `device show`.
    var lines: [String] {
        var lines = [
            "id: \(device.id)",
            "enabled: \(device.enabled ? "yes" : "no")",
            "policy: \(device.policy)",
            "groups: \(device.groups.isEmpty ? "-" : device.groups.joined(separator: ","))",
            "created: \(Timestamp.iso8601(seconds: device.created))",
            "client id: \(device.clientID.map { "\($0) (bound: the only one it may connect with)" } ?? "- (client_id_binding applies)")",
            "scram: \(scram.map { "\($0.mechanism), \($0.iterations) iterations" } ?? "none")",
            "legacy credential: \(device.legacyCredential.map { "\($0) (imported; replaced at the first login)" } ?? "none")",
            "totp: \(totp.map { "\($0.algorithm), \($0.digits) digits, \($0.period) s" } ?? "none")",
            "lockout failures: \(lockoutFailures)",
        ]
        lines.append("rules: \(rules.isEmpty ? "none" : "")")
        lines += rules.map { "  \($0.id) \($0.effect) \($0.access) \($0.pattern)" }
        lines.append("certificates: \(certificates.isEmpty ? "none" : "")")
        lines += certificates.map {
            "  \($0.serial) until \(Timestamp.iso8601(seconds: $0.notAfter)) \($0.revokedAt == nil ? "valid" : "revoked (\($0.revocationReason ?? "-"))")"
        }
        return lines
    }
}
