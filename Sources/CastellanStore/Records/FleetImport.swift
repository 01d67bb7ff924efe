import CastellanAuth

/// Devices, groups and rules taken over from another tool (`castellan import`), applied by
/// ``CredentialStore/importFleet(_:)`` in one transaction: all of it, or nothing.
///
/// Re-applying the same import changes nothing: a device that exists already keeps its
/// credential (an imported hash may have been upgraded since, and must not come back), its
/// policy, its enabled state and its bound client id, and only gains the groups it lacks; a rule identical to a
/// stored one (scope, effect, access, pattern) is not added again.
public struct FleetImport: Sendable, Hashable {
    /// One device to create.
    public struct Device: Sendable, Hashable {
        /// The device id (the source's username).
        public var id: DeviceID
        /// `false` for a device disabled in the source.
        public var enabled: Bool
        /// The groups it belongs to in the source.
        public var groups: [DeviceGroup]
        /// Its password hash as the source stored it; `nil` when it had none Castellan can keep.
        public var legacy: LegacyPasswordHash?
        /// The one client id it must connect with (dynamic-security's `clientid`), or `nil`.
        public var clientID: BoundClientID?

        /// A device.
        public init(id: DeviceID, enabled: Bool = true, groups: [DeviceGroup] = [], legacy: LegacyPasswordHash?,
                    clientID: BoundClientID? = nil) {
            self.id = id
            self.enabled = enabled
            self.groups = Array(Set(groups)).sorted()
            self.legacy = legacy
            self.clientID = clientID
        }
    }

    /// One rule to add.
    public struct Rule: Sendable, Hashable {
        /// The device (created by this import or already stored) or group it applies to.
        public var scope: ACLScope
        /// The rule.
        public var rule: ACLRule

        /// A rule.
        public init(scope: ACLScope, rule: ACLRule) {
            self.scope = scope
            self.rule = rule
        }
    }

    /// The devices, each once.
    public var devices: [Device]
    /// The rules, in the order to add them.
    public var rules: [Rule]
    /// The creation time recorded on new devices, Unix seconds.
    public var created: Int64

    /// An import.
    public init(devices: [Device], rules: [Rule], created: Int64) {
        self.devices = devices
        self.rules = rules
        self.created = created
    }
}

/// What ``CredentialStore/importFleet(_:)`` did.
public struct FleetImportResult: Sendable, Hashable {
    /// Devices created.
    public var added: [DeviceID] = []
    /// Devices that existed already (kept as they were, groups completed).
    public var kept: [DeviceID] = []
    /// Rules added.
    public var rulesAdded = 0
    /// Rules already stored.
    public var rulesKept = 0

    /// An empty result.
    public init() {}
}
