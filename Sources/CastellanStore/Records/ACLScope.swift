import CastellanAuth

/// Whom a stored ACL rule applies to: one device, or every member of a group.
public enum ACLScope: Sendable, Hashable, CustomStringConvertible {
    /// One device.
    case device(DeviceID)
    /// Every device in the group.
    case group(DeviceGroup)

    /// `device ID` or `group G`.
    public var description: String {
        switch self {
        case .device(let id): "device \(id)"
        case .group(let group): "group \(group)"
        }
    }
}
