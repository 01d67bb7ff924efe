import CastellanAuth
import GRDB

extension SQLiteStore {
    /// Adds a device and its group memberships in one transaction.
    public func addDevice(_ device: DeviceRecord) async throws {
        try await write { db in
            guard try !self.deviceExists(db, device.id) else { throw StoreError.deviceExists(device.id.rawValue) }
            try Self.refuseTakenClientIDs(db, device.id, bound: device.clientID)
            try db.execute(
                sql: "INSERT INTO devices (id, enabled, policy, created, client_id) VALUES (?, ?, ?, ?, ?)",
                arguments: [device.id.rawValue, device.enabled, device.policy.name, device.created, device.clientID?.rawValue])
            for group in device.groups {
                try db.execute(
                    sql: "INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)",
                    arguments: [device.id.rawValue, group.rawValue])
            }
            return ((), [.deviceAdded(device.id)])
        }
    }

    /// The device, or `nil`.
    public func device(_ id: DeviceID) async throws -> DeviceRecord? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM devices WHERE id = ?", arguments: [id.rawValue]) else {
                return nil
            }
            return try Self.deviceRecord(row, groups: Self.groups(db, of: id.rawValue))
        }
    }

    /// Every device, sorted by id.
    public func devices() async throws -> [DeviceRecord] {
        try await pool.read { db in
            var groups: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, group_name FROM device_groups") {
                groups[row["device_id"], default: []].append(row["group_name"])
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM devices ORDER BY id").map { row in
                try Self.deviceRecord(row, groups: groups[row["id"]] ?? [])
            }
        }
    }

    /// Enables or disables a device; emits an event only when the state changed.
    public func setEnabled(_ enabled: Bool, device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            try db.execute(
                sql: "UPDATE devices SET enabled = ? WHERE id = ? AND enabled <> ?",
                arguments: [enabled, id.rawValue, enabled])
            guard db.changesCount == 1 else { return ((), []) }
            return ((), [enabled ? .deviceEnabled(id) : .deviceDisabled(id)])
        }
    }

    /// Sets the device's policy; emits an event only when it changed.
    public func setPolicy(_ policy: AuthFactors, device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            try db.execute(
                sql: "UPDATE devices SET policy = ? WHERE id = ? AND policy <> ?", arguments: [policy.name, id.rawValue, policy.name])
            return ((), db.changesCount == 1 ? [.policyChanged(id)] : [])
        }
    }

    /// Binds or unbinds the device's client id; emits an event only when it changed.
    public func setClientID(_ clientID: BoundClientID?, device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            if let clientID { try Self.refuseTakenClientID(db, clientID.rawValue, for: id) }
            try db.execute(
                sql: "UPDATE devices SET client_id = ?1 WHERE id = ?2 AND client_id IS NOT ?1", arguments: [clientID?.rawValue, id.rawValue])
            return ((), db.changesCount == 1 ? [.clientIDChanged(id)] : [])
        }
    }

    /// Refuses a new device `id` that is another device's bound client id, or whose `bound`
    /// client id is another device's (``StoreError/clientIDTaken(_:owner:fileID:line:)``).
    static func refuseTakenClientIDs(_ db: Database, _ id: DeviceID, bound: BoundClientID?) throws {
        if let owner = try String.fetchOne(db, sql: "SELECT id FROM devices WHERE client_id = ?", arguments: [id.rawValue]) {
            throw StoreError.clientIDTaken(id.rawValue, owner: owner)
        }
        if let bound { try refuseTakenClientID(db, bound.rawValue, for: id) }
    }

    /// Refuses `clientID` for device `id` when another device has it as its id or bound client
    /// id. SQLite writes are serial, so nothing can take it between this read and the write.
    static func refuseTakenClientID(_ db: Database, _ clientID: String, for id: DeviceID) throws {
        if let owner = try String.fetchOne(
            db, sql: "SELECT id FROM devices WHERE (id = ?1 OR client_id = ?1) AND id <> ?2 LIMIT 1", arguments: [clientID, id.rawValue]) {
            throw StoreError.clientIDTaken(clientID, owner: owner)
        }
    }

    /// Replaces the device's group memberships.
    public func setGroups(_ groups: [DeviceGroup], device id: DeviceID) async throws {
        try await write { db in
            try self.requireDevice(db, id)
            let old = Set(try Self.groups(db, of: id.rawValue))
            let new = Set(groups.map(\.rawValue))
            guard old != new else { return ((), []) }
            try db.execute(sql: "DELETE FROM device_groups WHERE device_id = ?", arguments: [id.rawValue])
            for group in new.sorted() {
                try db.execute(
                    sql: "INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)", arguments: [id.rawValue, group])
            }
            return ((), [.groupsChanged(id)])
        }
    }

    /// Removes the device, its credentials, rules and lockout count; revokes its certificates.
    public func removeDevice(_ id: DeviceID) async throws {
        let now = clock()
        try await write { db in
            try self.requireDevice(db, id)
            let revoked = try String.fetchAll(
                db, sql: "SELECT serial FROM certificates WHERE device_id = ? AND revoked_at IS NULL ORDER BY serial",
                arguments: [id.rawValue])
            try db.execute(
                sql: """
                    UPDATE certificates SET revoked_at = ?, revocation_reason = 'cessationOfOperation'
                    WHERE device_id = ? AND revoked_at IS NULL
                    """,
                arguments: [now, id.rawValue])
            try db.execute(sql: "DELETE FROM lockout_counters WHERE device_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM lockout_sources WHERE device_id = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM devices WHERE id = ?", arguments: [id.rawValue])
            let events = revoked.map { StoreEvent.certificateRevoked(serial: $0, device: id) } + [.deviceRemoved(id)]
            return ((), events)
        }
    }

    static func groups(_ db: Database, of id: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT group_name FROM device_groups WHERE device_id = ?", arguments: [id])
    }

    static func deviceRecord(_ row: Row, groups: [String]) throws -> DeviceRecord {
        try StoredColumns.device(
            rawID: row["id"], enabled: row["enabled"], policy: row["policy"], created: row["created"], groups: groups, clientID: row["client_id"])
    }
}
