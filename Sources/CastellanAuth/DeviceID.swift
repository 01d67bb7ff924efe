/// A device's identity: the name that binds its client id, its MQTT username and its topics.
///
/// One grammar, enforced here and so everywhere a device id enters — the CLI, the admin API,
/// the store, certificate subjects and SANs, SCRAM usernames, ACL `%u`/`%c` substitution and
/// client-id checks all go through this initializer:
///
///     [A-Za-z0-9][A-Za-z0-9._:-]{0,127}
///
/// ASCII letters and digits first, then letters, digits, `.`, `_`, `:` and `-`; 1 to 128
/// characters. Why so narrow: an id must be safe as one topic level and in ACL patterns (no
/// `+`, `#`, `/`, `$`: CVE-2017-7650 class wildcard injection), in a certificate subject and a
/// URI (no `,`, `=`, `+`, quotes or spaces that a text form of a name could misread), in a
/// SCRAM username (no `,` or `=` to escape), in logs (no control characters), and compared as
/// bytes (no Unicode: two ids that look alike are never two spellings of one).
public struct DeviceID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The identity as text.
    public let rawValue: String

    /// The longest identity accepted, in characters (and bytes: all are ASCII).
    public static let maxLength = 128

    /// The grammar in one line, as error messages and documentation state it.
    public static let rule = "a device id is 1 to \(maxLength) characters: an ASCII letter or digit, then letters, digits, '.', '_', ':' or '-'"

    /// Validates `rawValue`; throws ``IdentityError`` naming the first broken rule.
    public init(_ rawValue: String) throws(IdentityError) {
        let bytes = rawValue.utf8
        guard let first = bytes.first else { throw .empty }
        guard bytes.count <= Self.maxLength else { throw .tooLong }
        guard Self.isAlphanumeric(first) else { throw .badFirstCharacter }
        for byte in bytes.dropFirst() where !Self.isAlphanumeric(byte) && !Self.punctuation.contains(byte) {
            throw .forbiddenCharacter
        }
        self.rawValue = rawValue
    }

    /// `.`, `_`, `:`, `-`.
    private static let punctuation: [UInt8] = [0x2E, 0x5F, 0x3A, 0x2D]

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
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

/// Why a string is not a usable ``DeviceID``; every message ends with the rule itself.
///
/// The refused text is never repeated: it may hold control characters or be an attacker's.
public enum IdentityError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLong
    case badFirstCharacter
    case forbiddenCharacter

    public var description: String {
        let what = switch self {
        case .empty: "identity is empty"
        case .tooLong: "identity is longer than \(DeviceID.maxLength) characters"
        case .badFirstCharacter: "identity does not start with an ASCII letter or digit"
        case .forbiddenCharacter: "identity contains a character other than ASCII letters, digits, '.', '_', ':' and '-'"
        }
        return "\(what) (\(DeviceID.rule))"
    }
}
