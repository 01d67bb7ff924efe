import CastellanAuth

/// A synthetic fleet for `castellan bench store`: N devices with SCRAM and TOTP credentials,
/// one own rule each, spread over groups that carry rules of their own.
///
/// Written by each backend in bulk, in one transaction — far faster than N calls of
/// ``CredentialStore/addDevice(_:)`` — so a million devices seed in seconds. Device `i` is
/// ``deviceID(_:)``; it belongs to group `i % groups` (``groupName(_:)``).
@_spi(Bench)
public struct FleetSeed: Sendable {
    /// How many devices.
    public let devices: Int
    /// How many groups (each with ``rulesPerGroup`` rules).
    public let groups: Int
    /// Rules given to each group.
    public let rulesPerGroup: Int
    /// The SCRAM credential every device gets (derived once: PBKDF2 per device would dominate).
    public let scram: SCRAMCredential
    /// The TOTP every device gets, sealed per device (the device id is the sealing context).
    public let totp: TOTP
    /// The creation time stamped on every device.
    public let created: Int64

    /// A seed description.
    public init(devices: Int, groups: Int = 100, rulesPerGroup: Int = 2, scram: SCRAMCredential, totp: TOTP, created: Int64) {
        self.devices = devices
        self.groups = max(1, groups)
        self.rulesPerGroup = rulesPerGroup
        self.scram = scram
        self.totp = totp
        self.created = created
    }

    /// The id of device `index`.
    public static func deviceID(_ index: Int) -> String { "bench-\(index)" }
    /// The name of group `index`.
    public static func groupName(_ index: Int) -> String { "fleet-\(index)" }

    /// Device `index`'s own rule.
    static let ownRule = (effect: "allow", access: Int(ACLAccessSet.all.rawValue), pattern: "devices/%u/#")
    /// Group rule `index` of a group.
    static func groupRule(_ index: Int) -> (effect: String, access: Int, pattern: String) {
        index.isMultiple(of: 2)
            ? ("allow", Int(ACLAccessSet.subscribe.rawValue | ACLAccessSet.receive.rawValue), "fleet/\(index)/#")
            : ("deny", Int(ACLAccessSet.all.rawValue), "fleet/\(index)/secret/#")
    }
}
