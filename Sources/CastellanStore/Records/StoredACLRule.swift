import CastellanAuth

/// An ACL rule as stored: its id (what `castellan acl remove` takes), scope and rule.
public struct StoredACLRule: Sendable, Hashable {
    /// The rule id, unique in the store and never reused.
    public let id: Int64
    /// The device or group it applies to.
    public let scope: ACLScope
    /// Effect, access and pattern.
    public let rule: ACLRule

    /// A stored rule.
    public init(id: Int64, scope: ACLScope, rule: ACLRule) {
        self.id = id
        self.scope = scope
        self.rule = rule
    }
}
