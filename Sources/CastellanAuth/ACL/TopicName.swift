/// A validated MQTT topic name: what a PUBLISH carries and what a subscriber receives.
///
/// At least one byte, at most 65,535 bytes of UTF-8, no U+0000 and no wildcard (§4.7).
/// Empty levels are allowed (`a//b`, `/a`, `a/` are three distinct valid names).
public struct TopicName: Sendable, Hashable, CustomStringConvertible {
    /// The name as text.
    public let rawValue: String

    /// Validates `rawValue`; throws the first rule it breaks.
    public init(_ rawValue: String) throws(TopicError) {
        var text = rawValue
        let error = text.withUTF8 { TopicSyntax.validateName($0) }
        if let error { throw error }
        self.rawValue = text
    }

    public var description: String { rawValue }
}
