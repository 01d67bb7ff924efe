import CastellanAuth

extension StoreEvent {
    /// The kind word the change log stores, e.g. `device.disabled`, `credential.secret`.
    public var kind: String { columns.kind }

    /// The event as the change log stores it: a kind word, the device (if any) and one detail.
    var columns: (kind: String, device: String?, detail: String?) {
        switch self {
        case .deviceAdded(let id): ("device.added", id.rawValue, nil)
        case .deviceDisabled(let id): ("device.disabled", id.rawValue, nil)
        case .deviceEnabled(let id): ("device.enabled", id.rawValue, nil)
        case .deviceRemoved(let id): ("device.removed", id.rawValue, nil)
        case .deviceUnlocked(let id): ("device.unlocked", id.rawValue, nil)
        case .groupsChanged(let id): ("device.groups", id.rawValue, nil)
        case .certificateIssued(let serial, let id): ("certificate.issued", id.rawValue, serial)
        case .certificateRevoked(let serial, let id): ("certificate.revoked", id.rawValue, serial)
        case .rulesChanged(.device(let id)): ("rules.device", id.rawValue, nil)
        case .rulesChanged(.group(let group)): ("rules.group", nil, group.rawValue)
        case .credentialsChanged(let id, let factor): ("credential.\(factor.rawValue)", id.rawValue, nil)
        case .enrolmentTokenIssued(let id): ("enrolment.token", id.rawValue, nil)
        case .enrolmentTokenUsed(let id): ("enrolment.used", id.rawValue, nil)
        case .masterKeyRotated: ("key.rotated", nil, nil)
        case .credentialUpgraded(let id): ("credential.upgraded", id.rawValue, nil)
        case .policyChanged(let id): ("device.policy", id.rawValue, nil)
        case .clientIDChanged(let id): ("device.clientid", id.rawValue, nil)
        case .firstFailure(let id): ("device.failed", id.rawValue, nil)
        }
    }

    /// Reads columns written by ``columns``; `nil` for a kind this build does not know (a newer
    /// writer), which a follower skips.
    init?(kind: String, device: String?, detail: String?) {
        let id = device.flatMap { try? DeviceID($0) }
        switch (kind, id, detail) {
        case ("device.added", let id?, _): self = .deviceAdded(id)
        case ("device.disabled", let id?, _): self = .deviceDisabled(id)
        case ("device.enabled", let id?, _): self = .deviceEnabled(id)
        case ("device.removed", let id?, _): self = .deviceRemoved(id)
        case ("device.unlocked", let id?, _): self = .deviceUnlocked(id)
        case ("device.groups", let id?, _): self = .groupsChanged(id)
        case ("certificate.issued", let id?, let serial?): self = .certificateIssued(serial: serial, device: id)
        case ("certificate.revoked", let id?, let serial?): self = .certificateRevoked(serial: serial, device: id)
        case ("rules.device", let id?, _): self = .rulesChanged(.device(id))
        case ("rules.group", _, let group?):
            guard let group = try? DeviceGroup(group) else { return nil }
            self = .rulesChanged(.group(group))
        case ("enrolment.token", let id?, _): self = .enrolmentTokenIssued(id)
        case ("enrolment.used", let id?, _): self = .enrolmentTokenUsed(id)
        case ("key.rotated", _, _): self = .masterKeyRotated
        case ("credential.upgraded", let id?, _): self = .credentialUpgraded(id)
        case ("device.policy", let id?, _): self = .policyChanged(id)
        case ("device.clientid", let id?, _): self = .clientIDChanged(id)
        case ("device.failed", let id?, _): self = .firstFailure(id)
        case (let kind, let id?, _) where kind.hasPrefix("credential."):
            guard let factor = CredentialFactor(rawValue: String(kind.dropFirst("credential.".count))) else { return nil }
            self = .credentialsChanged(id, factor)
        default: return nil
        }
    }
}
