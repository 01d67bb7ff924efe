import CastellanAuth

/// One device as the store keeps it: identity, whether it may connect, its policy, groups and
/// bound client id.
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
    /// The one client id it must connect with (replacing the global `client_id_binding` for
    /// it), or `nil` to follow that binding. No two devices share one, and none is another
    /// device's id (the store refuses both).
    public var clientID: BoundClientID?

    /// A record; `groups` is sorted and deduplicated.
    public init(id: DeviceID, enabled: Bool = true, policy: AuthFactors, groups: [DeviceGroup] = [], created: Int64,
                clientID: BoundClientID? = nil) {
        self.id = id
        self.enabled = enabled
        self.policy = policy
        self.groups = Array(Set(groups)).sorted()
        self.created = created
        self.clientID = clientID
    }
}
