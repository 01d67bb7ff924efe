import CastellanAuth
import CastellanStore

extension Fleet {
    /// An ACL rule to add, checked before anything is opened.
    public struct NewRule: Sendable {
        public let rule: ACLRule

        /// Parses the effect (`allow`/`deny`) and access (`publish`/`subscribe`/`receive`/`all`)
        /// words (usage errors) and the topic pattern (invalid if malformed).
        public init(effect: String, access: String, pattern: String) throws(FleetError) {
            guard ACLEffect(keyword: effect) != nil else { throw .usage("effect must be allow or deny") }
            guard ACLAccessSet(keyword: access) != nil else { throw .usage("access must be publish, subscribe, receive or all") }
            do { rule = try ACLRule(effect: effect, access: access, pattern: pattern) } catch {
                throw .invalid("invalid pattern: \(error)")
            }
        }
    }

    /// Adds a rule for a device (which must exist: ``FleetError/Kind/notFound``) or a group;
    /// services following the store push the new rules to live sessions.
    public func addRule(_ new: NewRule, scope: ACLScope) async throws -> RuleSummary {
        let id: Int64
        do {
            id = try await store.addRule(new.rule, scope: scope)
        } catch let error as StoreError {
            if case .device(let device) = scope, error == .unknownDevice(device.rawValue) { throw FleetError.notFound(error.description) }
            throw error
        }
        return RuleSummary(StoredACLRule(id: id, scope: scope, rule: new.rule))
    }

    /// The rules of one scope, or all rules, in id order.
    public func rules(scope: ACLScope?) async throws -> [RuleSummary] {
        try await store.rules(scope: scope).map(RuleSummary.init)
    }

    /// Removes a rule by id; ``FleetError/Kind/notFound`` if there is none.
    public func removeRule(id: Int64) async throws {
        do {
            try await store.removeRule(id: id)
        } catch let error as StoreError where error == .unknownRule(id) {
            throw FleetError.notFound(error.description)
        }
    }

    /// Replaces the device's groups (its group rules change with them: services push them to
    /// live sessions); returns the device as it is now.
    @discardableResult
    public func setGroups(_ groups: [DeviceGroup], device: DeviceID) async throws -> DeviceSummary {
        try await notFoundIfUnknown(device) { try await store.setGroups(groups, device: device) }
        return DeviceSummary(try await requireDevice(device))
    }
}
