/// An ACL rule's topic pattern: a topic filter whose levels may be `%u` (the username, which
/// Castellan sets to the device identity) or `%c` (the client id).
///
/// `%u`/`%c` must fill a whole level, as in mosquitto; they are replaced only by values that
/// are valid ``DeviceID``s, so a substituted value can never add a wildcard or a level
/// (CVE-2017-7650). Substitution is a single pass: a username of `%c` stays the literal `%c`.
/// Bounds (``maxLength`` bytes, ``maxTokens`` tokens) make every substituted filter fit in
/// ``ClientACL/maxFilterLength`` bytes.
public struct ACLPattern: Sendable, Hashable, CustomStringConvertible {
    /// The longest pattern, in UTF-8 bytes.
    public static let maxLength = 512
    /// The most `%u`/`%c` levels in one pattern.
    public static let maxTokens = 4

    enum Level: Sendable, Hashable {
        case literal(String)
        case username
        case clientID
    }

    /// The pattern as written.
    public let rawValue: String
    let levels: [Level]

    /// Parses and validates a pattern.
    public init(_ rawValue: String) throws(ACLPatternError) {
        guard rawValue.utf8.count <= Self.maxLength else { throw .tooLong }
        // Bytes, not Characters: String.hasPrefix and split compare grapheme clusters, and a
        // combining mark after `/` would hide a level boundary the broker does see.
        guard !rawValue.utf8.starts(with: "$share/".utf8) else { throw .sharedSubscriptionPattern }
        do {
            _ = try TopicFilter(rawValue)
        } catch {
            throw .invalidFilter(error)
        }
        var levels: [Level] = []
        var tokens = 0
        for part in rawValue.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if part.elementsEqual("%u".utf8) {
                levels.append(.username)
                tokens += 1
            } else if part.elementsEqual("%c".utf8) {
                levels.append(.clientID)
                tokens += 1
            } else if part.contains(UInt8(ascii: "%")) {
                throw .misplacedToken
            } else {
                levels.append(.literal(String(decoding: part, as: UTF8.self)))
            }
        }
        guard tokens <= Self.maxTokens else { throw .tooManyTokens }
        self.rawValue = rawValue
        self.levels = levels
    }

    public var description: String { rawValue }

    /// The concrete filter for one client, or `nil` when a token's value is missing or unsafe.
    func resolve(username: DeviceID?, clientID: DeviceID?) -> TopicFilter? {
        var text = ""
        for (index, level) in levels.enumerated() {
            if index > 0 { text.append("/") }
            switch level {
            case .literal(let literal): text.append(literal)
            case .username:
                guard let username else { return nil }
                text.append(username.rawValue)
            case .clientID:
                guard let clientID else { return nil }
                text.append(clientID.rawValue)
            }
        }
        return try? TopicFilter(text, maxLength: ClientACL.maxFilterLength)
    }
}
