import CastellanAuth

/// The name of a device group: ACL rules given to a group apply to all its members.
///
/// Group names follow the grammar of ``DeviceID`` (``DeviceID/rule``), so a group name is as
/// safe in a message, a log or an ACL as an id, and one rule is all an operator learns.
public struct DeviceGroup: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The group name as text.
    public let rawValue: String

    /// Validates `rawValue`; throws ``StoreError/invalidGroup(_:fileID:line:)`` naming the broken rule.
    public init(_ rawValue: String) throws(StoreError) {
        do { _ = try DeviceID(rawValue) } catch {
            throw .invalidGroup("a group name follows the device id grammar: \(error.description.replacingOccurrences(of: "identity", with: "group name"))")
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes and validates a group name.
    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the name as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension DeviceGroup {
    /// `admin`, the operators' group: its members may read the service's supervision events
    /// (`ServiceTopics.supervisionEvents`).
    public static let admin: DeviceGroup = {
        guard let group = try? DeviceGroup("admin") else { preconditionFailure("`admin` is a valid group name") }
        return group
    }()
}

extension DeviceRecord {
    /// Whether the device belongs to the operators' group, ``DeviceGroup/admin``.
    public var isOperator: Bool { groups.contains(.admin) }
}
