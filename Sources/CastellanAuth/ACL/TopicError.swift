/// Why a string is not a valid MQTT topic name or topic filter (MQTT 5 §4.7).
///
/// Messages name the broken rule only; the offending text is never echoed, because topics
/// come from untrusted clients and end up in logs.
public enum TopicError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Topic names and filters are at least one byte long (§4.7.3).
    case empty
    /// Longer than an MQTT UTF-8 string can be (65,535 bytes), or than the caller's limit.
    case tooLong
    /// U+0000 is forbidden in every MQTT string (§1.5.4).
    case containsNUL
    /// Bytes that are not well-formed UTF-8.
    case invalidUTF8
    /// `+` or `#` in a topic name, which only filters may hold (§4.7.1).
    case wildcardInTopicName
    /// `+` or `#` sharing a level with other characters, or `#` before the last level (§4.7.1).
    case misplacedWildcard
    /// `$share/` without a non-empty share name free of wildcards, or without a filter (§4.8.2).
    case invalidSharedSubscription

    public var description: String {
        switch self {
        case .empty: "topic is empty"
        case .tooLong: "topic is too long"
        case .containsNUL: "topic contains U+0000"
        case .invalidUTF8: "topic is not valid UTF-8"
        case .wildcardInTopicName: "topic name contains a wildcard"
        case .misplacedWildcard: "wildcard does not occupy a whole level, or '#' is not the last level"
        case .invalidSharedSubscription: "shared subscription needs '$share/<name>/<filter>' with a plain name"
        }
    }
}
