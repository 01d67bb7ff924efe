/// A device's ACL rules as stored: patterns still holding `%u`/`%c`.
///
/// Evaluation: default deny; a request is granted when at least one allow rule matches and no
/// deny rule does (deny overrides allow, order does not matter); publishing to `$SYS/…` or
/// `$CONTROL/…` is always refused. See ``ClientACL`` for what "matches" means per access.
///
/// At connect time the service calls ``resolve(username:clientID:)`` once and hands the
/// resulting ``ClientACL`` to the broker plugin, which evaluates it per message.
public struct ACLRuleSet: Sendable, Hashable {
    /// The rules, in the order given (order has no effect on decisions).
    public let rules: [ACLRule]

    /// What every device may do with no stored rule: publish, subscribe and receive under
    /// `devices/<identity>/#`.
    public static let deviceDefaultRules: [ACLRule] = {
        // A literal known to be valid: a failure here is a programming error caught by every test run.
        guard let pattern = try? ACLPattern("devices/%u/#"), let rule = try? ACLRule(.allow, .all, pattern) else {
            preconditionFailure("the built-in default ACL pattern must parse")
        }
        return [rule]
    }()

    /// A rule set holding exactly `rules`; at most ``ClientACL/maxRules``.
    public init(rules: [ACLRule]) throws(ACLRuleError) {
        guard rules.count <= ClientACL.maxRules else { throw .tooManyRules }
        self.rules = rules
    }

    /// A device's rule set: ``deviceDefaultRules`` plus the rules stored for it and its groups.
    public static func device(adding stored: [ACLRule]) throws(ACLRuleError) -> ACLRuleSet {
        try ACLRuleSet(rules: deviceDefaultRules + stored)
    }

    /// Substitutes `%u`/`%c` for one connection.
    ///
    /// A value is substituted only if it is a valid ``DeviceID`` (no `+ # /`, NUL or control
    /// characters, 1–128 bytes). When a rule needs a value that is missing or unsafe, the rule
    /// fails closed: an allow rule is dropped (it grants nothing), and a deny rule makes the
    /// whole result deny everything, because we cannot know which topics it was meant to refuse.
    public func resolve(username: String?, clientID: String?) -> ClientACL {
        let user = username.flatMap { try? DeviceID($0) }
        let client = clientID.flatMap { try? DeviceID($0) }
        var resolved: [ClientACL.Rule] = []
        resolved.reserveCapacity(rules.count)
        for rule in rules {
            if let filter = rule.pattern.resolve(username: user, clientID: client) {
                resolved.append(.init(effect: rule.effect, access: rule.access, filter: filter))
            } else if rule.effect == .deny {
                return .denyAll
            }
        }
        // Cannot exceed maxRules: `resolved` is never longer than `rules`.
        return ClientACL(uncheckedRules: resolved)
    }

    /// Judges one request: shorthand for `resolve(username:clientID:).check(topic:access:)`.
    ///
    /// `topic` is a topic name for publish and receive, and a subscription filter (possibly
    /// `$share/<g>/<filter>`) for subscribe; anything malformed is refused.
    public func check(topic: String, access: ACLAccess, username: String?, clientID: String?) -> Bool {
        resolve(username: username, clientID: clientID).check(topic: topic, access: access)
    }
}
