/// A device's identity: the name that binds its client id, its MQTT username and its topics.
///
/// Only identities that are safe to substitute into ACL patterns (`%u`, `%c`) and to use
/// as a single topic level exist as values of this type: the initializer refuses `+`, `#`,
/// `/` (CVE-2017-7650 class wildcard injection), NUL and every other control character,
/// the empty string, and anything over 128 bytes of UTF-8.
public struct DeviceID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The identity as text.
    public let rawValue: String

    /// The longest identity accepted, in UTF-8 bytes.
    public static let maxLength = 128

    /// Validates `rawValue`; throws ``IdentityError`` naming the first broken rule.
    public init(_ rawValue: String) throws(IdentityError) {
        guard !rawValue.isEmpty else { throw .empty }
        guard rawValue.utf8.count <= Self.maxLength else { throw .tooLong }
        for scalar in rawValue.unicodeScalars {
            switch scalar {
            case "+", "#", "/": throw .forbiddenCharacter(scalar)
            case _ where scalar.properties.generalCategory == .control: throw .forbiddenCharacter(scalar)
            default: continue
            }
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try DeviceID(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Why a string is not a usable ``DeviceID``.
public enum IdentityError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLong
    case forbiddenCharacter(Unicode.Scalar)

    public var description: String {
        switch self {
        case .empty: "identity is empty"
        case .tooLong: "identity is longer than \(DeviceID.maxLength) bytes"
        case .forbiddenCharacter(let s):
            "identity contains a forbidden character U+\(String(s.value, radix: 16, uppercase: true))"
        }
    }
}
