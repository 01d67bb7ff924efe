/// A validated MQTT topic filter (§4.7): what a SUBSCRIBE carries, and the form an ACL rule's
/// pattern takes once `%u`/`%c` are substituted.
///
/// `+` must fill a whole level, `#` must fill the last level; empty levels are real levels.
/// `$share/…` is not unwrapped here: a filter is taken literally. Use
/// ``init(subscription:)`` for what a client subscribes to.
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// The filter as text.
    public let rawValue: String
    /// The filter's UTF-8 bytes, kept so matching never re-encodes.
    let bytes: [UInt8]

    /// Validates a filter of at most `maxLength` bytes (MQTT's 65,535 by default).
    public init(_ rawValue: String, maxLength: Int = 65_535) throws(TopicError) {
        let bytes = Array(rawValue.utf8)
        let error = bytes.withUnsafeBufferPointer { TopicSyntax.validateFilter($0, maxLength: maxLength) }
        if let error { throw error }
        self.rawValue = rawValue
        self.bytes = bytes
    }

    /// The filter a subscription is judged by: `$share/<name>/<filter>` gives `<filter>`
    /// (MQTT 5 §4.8.2), anything else is taken as it is.
    ///
    /// Throws for a malformed shared subscription (empty or wildcard share name, no filter).
    public init(subscription: String) throws(TopicError) {
        let bytes = Array(subscription.utf8)
        let range = bytes.withUnsafeBufferPointer { TopicSyntax.subscriptionFilterRange($0) }
        switch range {
        case .failure(let error): throw error
        case .success(let range):
            try self.init(String(decoding: bytes[range], as: UTF8.self))
        }
    }

    /// Validates UTF-8 bytes, as they arrive in a serialized rule set.
    init(bytes: [UInt8], maxLength: Int) throws(TopicError) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        let error = bytes.withUnsafeBufferPointer { TopicSyntax.validateFilter($0, maxLength: maxLength) }
        if let error { throw error }
        self.rawValue = text
        self.bytes = bytes
    }

    public var description: String { rawValue }

    /// Does this filter match the topic name `topic`? (`$`-topics are not matched by a
    /// leading wildcard; `sport/#` matches `sport`.)
    public func matches(_ topic: TopicName) -> Bool {
        var name = topic.rawValue
        return name.withUTF8 { topicBytes in
            bytes.withUnsafeBufferPointer { TopicSyntax.matches(filter: $0, topic: topicBytes) }
        }
    }

    /// Does every topic `other` can match also match `self`? See docs/acl-format.md for the
    /// level-by-level rule; it errs towards `false`.
    public func covers(_ other: TopicFilter) -> Bool {
        bytes.withUnsafeBufferPointer { mine in
            other.bytes.withUnsafeBufferPointer { TopicSyntax.covers(pattern: mine, filter: $0) }
        }
    }

    /// Is there at least one topic name both filters match?
    public func overlaps(_ other: TopicFilter) -> Bool {
        bytes.withUnsafeBufferPointer { mine in
            other.bytes.withUnsafeBufferPointer { TopicSyntax.overlaps(mine, $0) }
        }
    }
}
