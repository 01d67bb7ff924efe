import CastellanAuth
import CastellanStore

/// What an import would create — devices, groups, rules — and every difference the operator
/// should see first (``notes``). Built by the readers (``MosquittoPasswordImport``,
/// ``DynamicSecurityImport``, ``GoAuthImport``) without touching a store; applied with
/// ``CredentialStore/importFleet(_:)`` in one transaction.
public struct ImportPlan: Sendable {
    /// Devices in first-seen order.
    public private(set) var devices: [FleetImport.Device] = []
    /// Rules in the order read, duplicates dropped.
    public private(set) var rules: [FleetImport.Rule] = []
    /// Differences, in the order found.
    public private(set) var notes: [ImportNote] = []
    private var deviceIndex: [DeviceID: Int] = [:]

    /// An empty plan.
    public init() {}

    /// Every group some device joins, sorted.
    public var groups: [DeviceGroup] { Array(Set(devices.flatMap(\.groups))).sorted() }

    /// The batch for the store; `created` stamps new devices.
    public func batch(created: Int64) -> FleetImport { FleetImport(devices: devices, rules: rules, created: created) }

    /// Whether the plan holds the device.
    func contains(_ id: DeviceID) -> Bool { deviceIndex[id] != nil }

    /// Adds a device; `false` when the id is taken already.
    mutating func add(_ device: FleetImport.Device) -> Bool {
        guard deviceIndex[device.id] == nil else { return false }
        deviceIndex[device.id] = devices.count
        devices.append(device)
        return true
    }

    /// Adds `group` to a device of the plan.
    mutating func join(_ id: DeviceID, _ group: DeviceGroup) {
        guard let index = deviceIndex[id] else { return }
        devices[index].groups = Array(Set(devices[index].groups + [group])).sorted()
    }

    /// Adds a rule unless the same one is planned already.
    mutating func add(_ rule: ACLRule, to scope: ACLScope) {
        let item = FleetImport.Rule(scope: scope, rule: rule)
        if !rules.contains(item) { rules.append(item) }
    }

    /// Records a difference.
    mutating func note(_ note: ImportNote) {
        if !notes.contains(note) { notes.append(note) }
    }

    /// The rule for `topic`, or `nil` after noting why it is outside Castellan's model.
    mutating func rule(_ effect: ACLEffect, _ access: ACLAccessSet, topic: String, file: String, line: Int?) -> ACLRule? {
        do {
            return try ACLRule(effect, access, ACLPattern(topic))
        } catch {
            note(ImportNote(.skipped, file: file, line: line, "topic '\(Self.printable(topic))' is outside Castellan's topic model: \(error)"))
            return nil
        }
    }

    /// A username as a device id, or `nil` after noting that it is not one (it is reported,
    /// never rewritten into some other id).
    mutating func deviceID(_ username: String, file: String, line: Int?) -> DeviceID? {
        do {
            return try DeviceID(username)
        } catch {
            note(ImportNote(.skipped, file: file, line: line, "user '\(Self.printable(username))' is not a valid device id, not imported: \(error)"))
            return nil
        }
    }

    /// A group name, or `nil` after noting that it is not one.
    mutating func group(_ name: String, file: String, line: Int?) -> DeviceGroup? {
        do {
            return try DeviceGroup(name)
        } catch {
            note(ImportNote(.skipped, file: file, line: line, "group '\(Self.printable(name))' is not a valid group name, not imported: \(error)"))
            return nil
        }
    }

    /// Notes what every import changes: Castellan's built-in rule.
    mutating func noteDefaultRule(file: String) {
        note(ImportNote(.changes, file: file,
                        "Castellan also lets every device publish, subscribe and receive under devices/<its id>/# (its built-in rule)"))
    }

    /// Notes every device whose rules — its own, its groups', the built-in and the service's
    /// guard rules — would exceed what one connection carries (``ClientACL/maxRules``): such a
    /// device's connects are refused until its rules are merged.
    mutating func noteRuleLimits(file: String) {
        var counts: [ACLScope: Int] = [:]
        for item in rules { counts[item.scope, default: 0] += 1 }
        let fixed = ACLRuleSet.deviceDefaultRules.count + ServiceTopics.rules(forOperator: true).count
        for device in devices {
            let total = fixed + (counts[.device(device.id)] ?? 0) + device.groups.reduce(0) { $0 + (counts[.group($1)] ?? 0) }
            if total > ClientACL.maxRules {
                note(ImportNote(.changes, file: file,
                                "device '\(device.id)' would have \(total) rules, more than the \(ClientACL.maxRules) one connection carries: its connects are refused until its rules are merged"))
            }
        }
    }

    /// Text safe to print: control characters shown as `?`.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }
}
