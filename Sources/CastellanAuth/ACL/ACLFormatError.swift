/// Why bytes are not a valid serialized ``ClientACL`` (docs/acl-format.md).
///
/// The decoder is strict: anything not exactly as specified is refused, never repaired.
public enum ACLFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input ends inside the header or a rule.
    case truncated
    /// A version byte this decoder does not know.
    case unsupportedVersion(UInt8)
    /// A rule count above ``ClientACL/maxRules``.
    case tooManyRules(Int)
    /// An effect byte other than 0 (deny) or 1 (allow).
    case invalidEffect(UInt8)
    /// An access byte that is zero or has bits outside publish|subscribe|receive.
    case invalidAccess(UInt8)
    /// A filter length of zero or above ``ClientACL/maxFilterLength``.
    case invalidFilterLength(Int)
    /// A filter that is not valid UTF-8 or not a valid MQTT topic filter.
    case invalidFilter(TopicError)
    /// Bytes left after the last rule.
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated: "serialized ACL is truncated"
        case .unsupportedVersion(let v): "serialized ACL has unsupported version \(v)"
        case .tooManyRules(let n): "serialized ACL has \(n) rules, more than \(ClientACL.maxRules)"
        case .invalidEffect(let b): "serialized ACL rule has invalid effect byte \(b)"
        case .invalidAccess(let b): "serialized ACL rule has invalid access byte \(b)"
        case .invalidFilterLength(let n): "serialized ACL rule has invalid filter length \(n)"
        case .invalidFilter(let e): "serialized ACL rule has an invalid filter: \(e)"
        case .trailingBytes(let n): "serialized ACL has \(n) trailing bytes"
        }
    }
}
