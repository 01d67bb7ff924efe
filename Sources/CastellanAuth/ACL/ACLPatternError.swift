/// Why a string is not a usable ACL rule pattern.
public enum ACLPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern, read as a topic filter, breaks an MQTT rule.
    case invalidFilter(TopicError)
    /// A `%` that is not a whole `%u` or `%c` level (`a%ub`, `%x`, `50%`): refused so nobody
    /// writes a pattern believing a substitution happens where it does not.
    case misplacedToken
    /// Longer than ``ACLPattern/maxLength`` bytes.
    case tooLong
    /// More than ``ACLPattern/maxTokens`` `%u`/`%c` levels.
    case tooManyTokens
    /// Starts with `$share/`: subscriptions are judged by their inner filter, so such a
    /// pattern could never match what its author meant.
    case sharedSubscriptionPattern

    public var description: String {
        switch self {
        case .invalidFilter(let error): "pattern is not a valid topic filter: \(error)"
        case .misplacedToken: "'%' may appear only as a whole '%u' or '%c' level"
        case .tooLong: "pattern is longer than \(ACLPattern.maxLength) bytes"
        case .tooManyTokens: "pattern has more than \(ACLPattern.maxTokens) '%u'/'%c' levels"
        case .sharedSubscriptionPattern: "pattern must not start with '$share/'"
        }
    }
}
