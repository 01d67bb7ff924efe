import CastellanAuth

/// One device as the store keeps it: identity, whether it may connect, its policy and groups.
public struct DeviceRecord: Sendable, Hashable {
    /// The device's identity.
    public var id: DeviceID
    /// A disabled device is refused at connect, and its live sessions are kicked.
    public var enabled: Bool
    /// The factors it must present.
    public var policy: AuthFactors
    /// The groups whose ACL rules it receives, sorted, without duplicates.
    public var groups: [DeviceGroup]
    /// When it was added, in Unix seconds.
    public var created: Int64

    /// A record; `groups` is sorted and deduplicated.
    public init(id: DeviceID, enabled: Bool = true, policy: AuthFactors, groups: [DeviceGroup] = [], created: Int64) {
        self.id = id
        self.enabled = enabled
        self.policy = policy
        self.groups = Array(Set(groups)).sorted()
        self.created = created
    }
}
