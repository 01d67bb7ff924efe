/// Whether a matching rule grants or refuses.
public enum ACLEffect: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Refuse; any matching deny wins over every allow.
    case deny = 0x00
    /// Grant, unless a deny also matches.
    case allow = 0x01

    public var description: String { self == .allow ? "allow" : "deny" }

    /// Parses `allow` or `deny`; `nil` otherwise.
    public init?(keyword: String) {
        switch keyword {
        case "allow": self = .allow
        case "deny": self = .deny
        default: return nil
        }
    }
}

/// One ACL rule: grant or refuse some accesses on the topics a pattern describes.
///
/// Mirrors `castellan acl add (allow|deny) (publish|subscribe|receive|all) PATTERN`.
public struct ACLRule: Sendable, Hashable, CustomStringConvertible {
    /// Grant or refuse.
    public let effect: ACLEffect
    /// The accesses the rule applies to; never empty.
    public let access: ACLAccessSet
    /// The topics, possibly with `%u`/`%c`.
    public let pattern: ACLPattern

    /// A rule from parsed parts. An empty `access` set is refused because such a rule
    /// would silently do nothing.
    public init(_ effect: ACLEffect, _ access: ACLAccessSet, _ pattern: ACLPattern) throws(ACLRuleError) {
        guard !access.isEmpty, access.isSubset(of: .all) else { throw .noAccess }
        self.effect = effect
        self.access = access
        self.pattern = pattern
    }

    /// A rule from the CLI's words, e.g. `ACLRule(effect: "allow", access: "publish", pattern: "a/%u/#")`.
    public init(effect: String, access: String, pattern: String) throws(ACLRuleError) {
        guard let parsedEffect = ACLEffect(keyword: effect) else { throw .unknownEffect }
        guard let parsedAccess = ACLAccessSet(keyword: access) else { throw .unknownAccess }
        let parsedPattern: ACLPattern
        do { parsedPattern = try ACLPattern(pattern) } catch { throw .invalidPattern(error) }
        try self.init(parsedEffect, parsedAccess, parsedPattern)
    }

    public var description: String { "\(effect) \(access) \(pattern)" }
}

/// Why an ACL rule or rule set could not be built.
public enum ACLRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not `allow` or `deny`.
    case unknownEffect
    /// Not `publish`, `subscribe`, `receive` or `all`.
    case unknownAccess
    /// The access set is empty.
    case noAccess
    /// The pattern is refused.
    case invalidPattern(ACLPatternError)
    /// More rules than ``ClientACL/maxRules``.
    case tooManyRules

    public var description: String {
        switch self {
        case .unknownEffect: "effect must be 'allow' or 'deny'"
        case .unknownAccess: "access must be 'publish', 'subscribe', 'receive' or 'all'"
        case .noAccess: "rule applies to no access"
        case .invalidPattern(let error): error.description
        case .tooManyRules: "more than \(ClientACL.maxRules) rules"
        }
    }
}
