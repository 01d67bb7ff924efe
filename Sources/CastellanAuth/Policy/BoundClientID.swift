/// The one MQTT client id a device must connect with, when it has one (`device client-id`,
/// or carried over from a dynamic-security client's `clientid` by `castellan import dynsec`).
///
/// A bound client id replaces the global ``ClientIDBinding`` for its device: the connecting
/// client id must equal it byte for byte — dynamic-security's rule for a client with a
/// `clientid` — and nothing else, not even the device id.
///
/// Grammar, narrower than MQTT's (any UTF-8 up to 65,535 bytes):
///
///     1 to 128 bytes of printable ASCII (0x21–0x7E) other than '+', '#' and '/'
///
/// Why: no `+` or `#`, because a client id is substituted for `%c` in ACL patterns
/// (CVE-2017-7650 class wildcard injection); no `/`, because the `prefix` binding reads what
/// precedes the first `/` as the owning device, so a bound id holding one could pose as another
/// device's connection; no spaces, control characters or non-ASCII, so it prints unambiguously
/// in logs, the audit trail and a shell, and compares as bytes; at most 128 bytes, like a
/// ``DeviceID``.
public struct BoundClientID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The client id as text.
    public let rawValue: String

    /// The longest client id accepted, in bytes (all characters are ASCII).
    public static let maxLength = 128

    /// The grammar in one line, as error messages and documentation state it.
    public static let rule =
        "a bound client id is 1 to \(maxLength) characters of printable ASCII (no space or control character) other than '+', '#' and '/'"

    /// Validates `rawValue`; throws ``PolicyError/invalidClientID(_:fileID:line:)`` stating the rule.
    /// The refused text is never repeated: it may hold control characters.
    public init(_ rawValue: String) throws(PolicyError) {
        let bytes = rawValue.utf8
        guard !bytes.isEmpty else { throw .invalidClientID("client id is empty") }
        guard bytes.count <= Self.maxLength else { throw .invalidClientID("client id is longer than \(Self.maxLength) characters") }
        for byte in bytes where !(0x21...0x7E).contains(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#")
            || byte == UInt8(ascii: "/")
        {
            throw .invalidClientID("client id holds a forbidden character")
        }
        self.rawValue = rawValue
    }

    /// Whether a connection presenting `clientID` fits: the same bytes.
    public func permits(clientID: String) -> Bool {
        clientID.utf8.elementsEqual(rawValue.utf8)
    }

    public var description: String { rawValue }

    public static func < (lhs: BoundClientID, rhs: BoundClientID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        self = try BoundClientID(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
