import CastellanAuth

/// One committed change to the store: what the change log records and what a running service
/// acts on (kick sessions, push rules).
///
/// Written to the change log in the same transaction as the change itself, never for a write
/// that failed or changed nothing.
public enum StoreEvent: Sendable, Hashable {
    /// A device was added.
    case deviceAdded(DeviceID)
    /// The device was disabled: kick its sessions.
    case deviceDisabled(DeviceID)
    /// The device was enabled again.
    case deviceEnabled(DeviceID)
    /// The device and its credentials and rules were removed: kick its sessions.
    case deviceRemoved(DeviceID)
    /// The device's failure counts were cleared (`device unlock`).
    case deviceUnlocked(DeviceID)
    /// The device's group memberships were replaced: recompute its cached ACL.
    case groupsChanged(DeviceID)
    /// A certificate was issued (recorded) for the device.
    case certificateIssued(serial: String, device: DeviceID)
    /// A certificate was revoked: kick sessions that presented it.
    case certificateRevoked(serial: String, device: DeviceID)
    /// Rules of a device or group were added or removed: recompute cached ACLs.
    case rulesChanged(ACLScope)
    /// One of the device's credentials changed: kick the sessions that authenticated with it.
    case credentialsChanged(DeviceID, CredentialFactor)
    /// A one-time enrolment token was made for the device (replacing any earlier one).
    case enrolmentTokenIssued(DeviceID)
    /// The device's enrolment token was used (and so deleted).
    case enrolmentTokenUsed(DeviceID)
    /// Every sealed secret was re-sealed under a new master key.
    case masterKeyRotated
    /// The device's policy changed: sessions that used the old factors are re-checked (kicked).
    case policyChanged(DeviceID)
    /// The device's bound client id was set, changed or cleared: its sessions whose client id
    /// no longer fits are re-checked (kicked).
    case clientIDChanged(DeviceID)
    /// The device's imported password hash was replaced by SCRAM keys derived from the same
    /// password at its first successful login: the password is unchanged, so no session is kicked.
    case credentialUpgraded(DeviceID)
    /// The device failed to authenticate for the first time since it was added or unlocked
    /// (its failure total left zero). Written with that failure by whichever service counted
    /// it, so every service forgets what it remembered of the device as clean
    /// (the fast lane's admissions); later failures add no record until the next unlock.
    case firstFailure(DeviceID)

    /// The device the change is about, if any.
    public var device: DeviceID? {
        switch self {
        case .deviceAdded(let id), .deviceDisabled(let id), .deviceEnabled(let id), .deviceRemoved(let id),
             .deviceUnlocked(let id), .groupsChanged(let id), .certificateIssued(_, let id), .certificateRevoked(_, let id),
             .credentialsChanged(let id, _), .rulesChanged(.device(let id)), .credentialUpgraded(let id), .firstFailure(let id),
             .policyChanged(let id), .clientIDChanged(let id), .enrolmentTokenIssued(let id), .enrolmentTokenUsed(let id):
            id
        case .rulesChanged(.group), .masterKeyRotated:
            nil
        }
    }
}

/// A stored credential a session can have authenticated with.
public enum CredentialFactor: String, Sendable, Hashable, CaseIterable, Codable {
    /// The device's password, stored as SCRAM keys: used by the password and SCRAM methods.
    case secret
    /// The device's TOTP enrolment.
    case totp
}
