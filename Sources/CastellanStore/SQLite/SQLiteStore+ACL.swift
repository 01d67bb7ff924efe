import CastellanAuth
import GRDB

extension SQLiteStore {
    /// Stores a rule for a device (which must exist) or a group; returns its new id.
    public func addRule(_ rule: ACLRule, scope: ACLScope) async throws -> Int64 {
        try await write { db in
            let device: String?, group: String?
            switch scope {
            case .device(let id):
                try self.requireDevice(db, id)
                (device, group) = (id.rawValue, nil)
            case .group(let name):
                (device, group) = (nil, name.rawValue)
            }
            try db.execute(
                sql: "INSERT INTO acl_rules (device_id, group_name, effect, access, pattern) VALUES (?, ?, ?, ?, ?)",
                arguments: [device, group, rule.effect.description, rule.access.rawValue, rule.pattern.rawValue])
            return (db.lastInsertedRowID, [.rulesChanged(scope)])
        }
    }

    /// The rules of one scope, or all, in id order.
    public func rules(scope: ACLScope?) async throws -> [StoredACLRule] {
        try await pool.read { db in
            let rows: [Row]
            switch scope {
            case nil:
                rows = try Row.fetchAll(db, sql: "SELECT \(Self.storedRuleColumns) FROM acl_rules ORDER BY id")
            case .device(let id)?:
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.storedRuleColumns) FROM acl_rules WHERE device_id = ? ORDER BY id", arguments: [id.rawValue])
            case .group(let group)?:
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(Self.storedRuleColumns) FROM acl_rules WHERE group_name = ? ORDER BY id", arguments: [group.rawValue])
            }
            return try rows.map(Self.storedRule)
        }
    }

    /// The device's rules and its groups' rules, in id order.
    public func effectiveRules(device id: DeviceID) async throws -> [ACLRule] {
        try await pool.read { db in try Self.rules(db.cachedStatement(sql: Self.effectiveRulesSQL), arguments: [id.rawValue]) }
    }

    /// A device's own rules and its groups' rules, in id order, as `id, effect, access, pattern`
    /// (read by index in ``rules(_:arguments:)``); `?1` is the device id.
    ///
    /// Two indexed searches joined by UNION ALL: written as `device_id = ?1 OR group_name IN
    /// (…)`, SQLite scans the whole table (a million-device fleet: ~100 ms per connect). A rule
    /// belongs to a device or a group, never both (CHECK), so nothing is counted twice.
    static let effectiveRulesSQL = """
        SELECT id, effect, access, pattern FROM acl_rules WHERE device_id = ?1
        UNION ALL
        SELECT a.id, a.effect, a.access, a.pattern
        FROM device_groups g JOIN acl_rules a ON a.group_name = g.group_name WHERE g.device_id = ?1
        ORDER BY id
        """

    /// The rules `statement` (shaped like ``effectiveRulesSQL``) selects.
    static func rules(_ statement: Statement, arguments: StatementArguments) throws -> [ACLRule] {
        var rules: [ACLRule] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            rules.append(try StoredColumns.rule(id: row[0], effect: row[1], access: row[2], pattern: row[3]))
        }
        return rules
    }

    /// Removes a rule; throws ``StoreError/unknownRule(_:fileID:line:)`` if there is none.
    public func removeRule(id: Int64) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.storedRuleColumns) FROM acl_rules WHERE id = ?", arguments: [id]) else {
                throw StoreError.unknownRule(id)
            }
            let scope = try Self.storedRule(row).scope
            try db.execute(sql: "DELETE FROM acl_rules WHERE id = ?", arguments: [id])
            return ((), [.rulesChanged(scope)])
        }
    }

    /// What ``storedRule(_:)`` reads: the rule's columns, then its scope.
    static let storedRuleColumns = "id, effect, access, pattern, device_id, group_name"

    /// The rule and its scope from a row of ``storedRuleColumns``.
    static func storedRule(_ row: Row) throws -> StoredACLRule {
        try StoredColumns.storedRule(id: row[0], device: row[4], group: row[5], effect: row[1], access: row[2], pattern: row[3])
    }
}
