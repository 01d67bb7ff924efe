import CastellanAuth
import CastellanStore

/// The ACL a connection gets: the service's guard rules for its kind of device, then the
/// device's own and its groups' rules, resolved for its identity and client id.
///
/// The one place that builds it — at connect (``DeviceGate``), on a rule change (``Notifier``)
/// and when a resumed session is re-checked (``SessionRecheck``) — so a pushed rule set never
/// differs from the one a fresh connect would get.
enum ConnectionRules {
    /// Throws when the stored rules exceed ``ClientACL/maxRules`` with the guard rules added.
    static func resolve(_ device: DeviceRecord, stored: [ACLRule], clientID: String) throws -> ClientACL {
        try ACLRuleSet.device(adding: ServiceTopics.rules(forOperator: device.isOperator) + stored)
            .resolve(username: device.id.rawValue, clientID: clientID)
    }
}
