import CastellanAuth
import PostgresNIO

extension PostgresStore {
    /// Adds a device and its group memberships in one transaction; a taken id (also one taken
    /// by a concurrent writer) is ``StoreError/deviceExists(_:fileID:line:)``.
    public func addDevice(_ device: DeviceRecord) async throws {
        try await write { connection in
            // Before the insert: a bound client id held by another device would otherwise fail
            // on the unique index with the server's message instead of this one.
            try await self.refuseTakenClientIDs(connection, device.id, bound: device.clientID)
            let inserted = try await connection.query(
                """
                INSERT INTO devices (id, enabled, policy, created, client_id)
                VALUES (\(device.id.rawValue), \(device.enabled), \(device.policy.name), \(device.created), \(device.clientID?.rawValue))
                ON CONFLICT (id) DO NOTHING RETURNING 1
                """, logger: self.logger
            ).collect()
            guard !inserted.isEmpty else { throw StoreError.deviceExists(device.id.rawValue) }
            if !device.groups.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO device_groups (device_id, group_name)
                    SELECT \(device.id.rawValue), unnest(\(device.groups.map(\.rawValue))::text[])
                    """, logger: self.logger
                ).collect()
            }
            return ((), [.deviceAdded(device.id)])
        }
    }

    /// Sets the device's policy; emits an event only when it changed.
    public func setPolicy(_ policy: AuthFactors, device id: DeviceID) async throws {
        try await write { connection in
            try await self.requireDevice(connection, id)
            let updated = try await connection.query(
                "UPDATE devices SET policy = \(policy.name) WHERE id = \(id.rawValue) AND policy <> \(policy.name) RETURNING 1",
                logger: self.logger
            ).collect()
            return ((), updated.isEmpty ? [] : [.policyChanged(id)])
        }
    }

    /// Binds or unbinds the device's client id; emits an event only when it changed.
    public func setClientID(_ clientID: BoundClientID?, device id: DeviceID) async throws {
        try await write { connection in
            // The row lock before the change log's lock, the order every other device write
            // takes them in (row first, log lock at the commit): no deadlock with them.
            let locked = try await connection.query(
                "SELECT 1 FROM devices WHERE id = \(id.rawValue) FOR UPDATE", logger: self.logger
            ).collect()
            guard !locked.isEmpty else { throw StoreError.unknownDevice(id.rawValue) }
            if let clientID { try await self.refuseTakenClientID(connection, clientID.rawValue, for: id) }
            let updated = try await connection.query(
                """
                UPDATE devices SET client_id = \(clientID?.rawValue)
                WHERE id = \(id.rawValue) AND client_id IS DISTINCT FROM \(clientID?.rawValue) RETURNING 1
                """, logger: self.logger
            ).collect()
            return ((), updated.isEmpty ? [] : [.clientIDChanged(id)])
        }
    }

    /// Refuses a new device `id` that is another device's bound client id, or whose `bound`
    /// client id is another device's (``StoreError/clientIDTaken(_:owner:fileID:line:)``).
    func refuseTakenClientIDs(_ connection: PostgresConnection, _ id: DeviceID, bound: BoundClientID?) async throws {
        try await serializeClientIDChecks(connection)
        let owners = try await connection.query(
            "SELECT id FROM devices WHERE client_id = \(id.rawValue) AND id <> \(id.rawValue) LIMIT 1", logger: logger
        ).collect()
        if let owner = try owners.first?.decode(String.self) { throw StoreError.clientIDTaken(id.rawValue, owner: owner) }
        if let bound { try await refuseTakenClientID(connection, bound.rawValue, for: id) }
    }

    /// Refuses `clientID` for device `id` when another device has it as its id or bound client id.
    func refuseTakenClientID(_ connection: PostgresConnection, _ clientID: String, for id: DeviceID) async throws {
        try await serializeClientIDChecks(connection)
        let owners = try await connection.query(
            "SELECT id FROM devices WHERE (id = \(clientID) OR client_id = \(clientID)) AND id <> \(id.rawValue) LIMIT 1",
            logger: logger
        ).collect()
        if let owner = try owners.first?.decode(String.self) { throw StoreError.clientIDTaken(clientID, owner: owner) }
    }

    /// Takes the change log's transaction-scoped advisory lock now rather than at the commit
    /// (``appendChanges(_:actor:_:)`` takes it again, which is free): no unique index spans a
    /// device's id and another device's bound client id, and under READ COMMITTED two writers
    /// could each check before the other commits — say `device add X` beside binding `X` to
    /// another device. Holding the lock from the check to the commit makes the check see every
    /// earlier such write; the writes serialised are rare management ones that log anyway.
    private func serializeClientIDChecks(_ connection: PostgresConnection) async throws {
        _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.changeLogLock))", logger: logger).collect()
    }

    /// The device, or `nil`.
    public func device(_ id: DeviceID) async throws -> DeviceRecord? {
        try await read { connection in
            try await connection.query(
                """
                SELECT id, enabled, policy, created,
                    ARRAY(SELECT group_name FROM device_groups WHERE device_id = d.id) AS groups, client_id
                FROM devices d WHERE id = \(id.rawValue)
                """, logger: self.logger
            ).collect().first.map { try Self.deviceRecord($0) }
        }
    }

    /// Every device, sorted by id.
    public func devices() async throws -> [DeviceRecord] {
        try await read { connection in
            try await connection.query(
                """
                SELECT id, enabled, policy, created,
                    ARRAY(SELECT group_name FROM device_groups WHERE device_id = d.id) AS groups, client_id
                FROM devices d ORDER BY id
                """, logger: self.logger
            ).collect().map { try Self.deviceRecord($0) }
        }
    }

    /// Enables or disables a device; emits an event only when the state changed.
    public func setEnabled(_ enabled: Bool, device id: DeviceID) async throws {
        try await write { connection in
            try await self.requireDevice(connection, id)
            let changed = try await connection.query(
                "UPDATE devices SET enabled = \(enabled) WHERE id = \(id.rawValue) AND enabled <> \(enabled) RETURNING 1",
                logger: self.logger
            ).collect()
            guard !changed.isEmpty else { return ((), []) }
            return ((), [enabled ? .deviceEnabled(id) : .deviceDisabled(id)])
        }
    }

    /// Replaces the device's group memberships.
    public func setGroups(_ groups: [DeviceGroup], device id: DeviceID) async throws {
        try await write { connection in
            let locked = try await connection.query(
                "SELECT 1 FROM devices WHERE id = \(id.rawValue) FOR UPDATE", logger: self.logger
            ).collect()
            guard !locked.isEmpty else { throw StoreError.unknownDevice(id.rawValue) }
            let old = Set(try await connection.query(
                "SELECT group_name FROM device_groups WHERE device_id = \(id.rawValue)", logger: self.logger
            ).collect().map { try $0.decode(String.self) })
            let new = Set(groups.map(\.rawValue))
            guard old != new else { return ((), []) }
            _ = try await connection.query("DELETE FROM device_groups WHERE device_id = \(id.rawValue)", logger: self.logger).collect()
            if !new.isEmpty {
                _ = try await connection.query(
                    "INSERT INTO device_groups (device_id, group_name) SELECT \(id.rawValue), unnest(\(new.sorted())::text[])",
                    logger: self.logger
                ).collect()
            }
            return ((), [.groupsChanged(id)])
        }
    }

    /// Removes the device, its credentials, rules and lockout count; revokes its certificates.
    public func removeDevice(_ id: DeviceID) async throws {
        let now = clock()
        try await write { connection in
            let locked = try await connection.query(
                "SELECT 1 FROM devices WHERE id = \(id.rawValue) FOR UPDATE", logger: self.logger
            ).collect()
            guard !locked.isEmpty else { throw StoreError.unknownDevice(id.rawValue) }
            let revoked = try await connection.query(
                """
                UPDATE certificates SET revoked_at = \(now), revocation_reason = 'cessationOfOperation'
                WHERE device_id = \(id.rawValue) AND revoked_at IS NULL RETURNING serial
                """, logger: self.logger
            ).collect().map { try $0.decode(String.self) }.sorted()
            _ = try await connection.query("DELETE FROM lockout_counters WHERE device_id = \(id.rawValue)", logger: self.logger).collect()
            _ = try await connection.query("DELETE FROM lockout_sources WHERE device_id = \(id.rawValue)", logger: self.logger).collect()
            _ = try await connection.query("DELETE FROM devices WHERE id = \(id.rawValue)", logger: self.logger).collect()
            let events = revoked.map { StoreEvent.certificateRevoked(serial: $0, device: id) } + [.deviceRemoved(id)]
            return ((), events)
        }
    }

    /// A `devices` row with its `groups` array and its client id.
    static func deviceRecord(_ row: PostgresRow) throws -> DeviceRecord {
        let (rawID, enabled, policy, created, groups, clientID): (String, Bool, String, Int64, [String], String?)
        do {
            (rawID, enabled, policy, created, groups, clientID) = try row.decode((String, Bool, String, Int64, [String], String?).self)
        } catch {
            throw StoreError.corruptRecord("device row: \(error)")
        }
        return try StoredColumns.device(rawID: rawID, enabled: enabled, policy: policy, created: created, groups: groups, clientID: clientID)
    }
}
