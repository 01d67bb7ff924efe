/// The service's own topics, `$castellan/…`, and the rules that guard them.
///
/// Nobody publishes there but the service (through the broker plugin, which publishes only
/// under this prefix), and only operators read the supervision events. The guard rules go in
/// front of a device's stored rules; deny wins over any allow, so no rule an operator stores
/// can open the namespace to another device. `#` never matches `$` topics (MQTT 4.7.2), so
/// ordinary wildcard subscriptions are not affected.
public enum ServiceTopics {
    /// Supervision events as JSON, one message per event (`SupervisionEvent`'s encoding).
    public static let supervisionEvents = "$castellan/supervision/events"

    /// The guard rules for a device; `isOperator` for members of the operators' group.
    public static func rules(forOperator isOperator: Bool) -> [ACLRule] {
        isOperator ? operatorRules : deviceRules
    }

    private static let operatorRules = [
        rule(.deny, .publish, "$castellan/#"),
        rule(.allow, [.subscribe, .receive], supervisionEvents),
    ]
    private static let deviceRules = [rule(.deny, .all, "$castellan/#")]

    /// Literals known to be valid: a failure here is a programming error every test run catches.
    private static func rule(_ effect: ACLEffect, _ access: ACLAccessSet, _ pattern: String) -> ACLRule {
        guard let parsed = try? ACLPattern(pattern), let rule = try? ACLRule(effect, access, parsed) else {
            preconditionFailure("built-in service topic rule \(pattern) must parse")
        }
        return rule
    }
}
