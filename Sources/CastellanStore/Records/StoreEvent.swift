import CastellanAuth

/// A change the running service must act on: kick sessions, refresh cached ACLs.
///
/// Emitted after the change committed, never for a write that failed.
public enum StoreEvent: Sendable, Hashable {
    /// The device was disabled: kick its sessions.
    case deviceDisabled(DeviceID)
    /// The device was enabled again.
    case deviceEnabled(DeviceID)
    /// The device and its credentials and rules were removed: kick its sessions.
    case deviceRemoved(DeviceID)
    /// A certificate was revoked: kick sessions that presented it.
    case certificateRevoked(serial: String, device: DeviceID)
    /// Rules of a device or group were added or removed: recompute cached ACLs.
    case rulesChanged(ACLScope)
    /// The device's credentials changed (SCRAM set, TOTP enrolled).
    case credentialsChanged(DeviceID)
}
