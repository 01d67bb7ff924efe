import CastellanAuth
import PostgresNIO

extension PostgresStore {
    /// Stores a rule for a device (which must exist) or a group; returns its new id.
    public func addRule(_ rule: ACLRule, scope: ACLScope) async throws -> Int64 {
        try await write { connection in
            let device: String?, group: String?
            switch scope {
            case .device(let id):
                try await self.requireDevice(connection, id)
                (device, group) = (id.rawValue, nil)
            case .group(let name):
                (device, group) = (nil, name.rawValue)
            }
            let id = try await connection.query(
                """
                INSERT INTO acl_rules (device_id, group_name, effect, access, pattern)
                VALUES (\(device), \(group), \(rule.effect.description), \(Int(rule.access.rawValue)), \(rule.pattern.rawValue))
                RETURNING id
                """, logger: self.logger
            ).collect().first!.decode(Int64.self)
            return (id, [.rulesChanged(scope)])
        }
    }

    /// The rules of one scope, or all, in id order.
    public func rules(scope: ACLScope?) async throws -> [StoredACLRule] {
        try await read { connection in
            let query: PostgresQuery
            switch scope {
            case nil:
                query = "SELECT id, device_id, group_name, effect, access, pattern FROM acl_rules ORDER BY id"
            case .device(let id)?:
                query = "SELECT id, device_id, group_name, effect, access, pattern FROM acl_rules WHERE device_id = \(id.rawValue) ORDER BY id"
            case .group(let group)?:
                query = "SELECT id, device_id, group_name, effect, access, pattern FROM acl_rules WHERE group_name = \(group.rawValue) ORDER BY id"
            }
            return try await connection.query(query, logger: self.logger).collect().map { try Self.storedRule($0) }
        }
    }

    /// The device's rules and its groups' rules, in id order.
    public func effectiveRules(device id: DeviceID) async throws -> [ACLRule] {
        try await read { connection in
            try await connection.query(
                """
                SELECT id, device_id, group_name, effect, access, pattern FROM acl_rules WHERE device_id = \(id.rawValue)
                UNION ALL
                SELECT a.id, a.device_id, a.group_name, a.effect, a.access, a.pattern
                FROM device_groups g JOIN acl_rules a ON a.group_name = g.group_name WHERE g.device_id = \(id.rawValue)
                ORDER BY id
                """, logger: self.logger
            ).collect().map { try Self.storedRule($0).rule }
        }
    }

    /// Removes a rule; throws ``StoreError/unknownRule(_:fileID:line:)`` if there is none.
    public func removeRule(id: Int64) async throws {
        try await write { connection in
            guard let row = try await connection.query(
                "DELETE FROM acl_rules WHERE id = \(id) RETURNING id, device_id, group_name, effect, access, pattern",
                logger: self.logger
            ).collect().first else {
                throw StoreError.unknownRule(id)
            }
            return ((), [.rulesChanged(try Self.storedRule(row).scope)])
        }
    }

    static func storedRule(_ row: PostgresRow) throws -> StoredACLRule {
        let columns: (Int64, String?, String?, String, Int, String)
        do { columns = try row.decode((Int64, String?, String?, String, Int, String).self) } catch {
            throw StoreError.corruptRecord("ACL rule: \(error)")
        }
        let (id, device, group, effect, access, pattern) = columns
        return try StoredColumns.storedRule(id: id, device: device, group: group, effect: effect, access: access, pattern: pattern)
    }
}
