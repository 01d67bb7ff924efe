import CastellanAuth
import Foundation
import PostgresNIO

extension PostgresStore {
    /// The device's imported password hash, or `nil`.
    public func legacyCredential(device id: DeviceID) async throws -> LegacyPasswordHash? {
        let text = try await read { connection in
            try await connection.query(
                "SELECT hash FROM legacy_credentials WHERE device_id = \(id.rawValue)", logger: self.logger
            ).collect().first.map { try $0.decode(String.self) }
        }
        return try text.map { try StoredColumns.legacy($0, device: id) }
    }

    /// Every imported password hash still held, by device.
    public func legacyCredentials() async throws -> [DeviceID: LegacyPasswordHash] {
        let rows = try await read { connection in
            try await connection.query("SELECT device_id, hash FROM legacy_credentials", logger: self.logger).collect()
                .map { try $0.decode((String, String).self) }
        }
        var hashes: [DeviceID: LegacyPasswordHash] = [:]
        for (raw, hash) in rows {
            let id: DeviceID
            do { id = try DeviceID(raw) } catch { throw StoreError.corruptRecord("imported password hash of '\(raw)': \(error)") }
            hashes[id] = try StoredColumns.legacy(hash, device: id)
        }
        return hashes
    }

    /// Swaps the imported hash for SCRAM keys if it is still the device's credential; the
    /// conditional `DELETE` takes the row lock, so of two concurrent upgrades one wins.
    public func upgradeLegacyCredential(_ legacy: LegacyPasswordHash, to credential: SCRAMCredential, device id: DeviceID) async throws -> Bool {
        try await write { connection in
            let deleted = try await connection.query(
                """
                DELETE FROM legacy_credentials WHERE device_id = \(id.rawValue) AND hash = \(legacy.encoded)
                    AND NOT EXISTS (SELECT 1 FROM scram_credentials WHERE device_id = \(id.rawValue))
                RETURNING 1
                """, logger: self.logger
            ).collect()
            guard !deleted.isEmpty else { return (false, []) }
            try await self.insertSCRAM(connection, credential, device: id)
            return (true, [.credentialUpgraded(id)])
        }
    }

    /// Applies an import in one transaction.
    public func importFleet(_ batch: FleetImport) async throws -> FleetImportResult {
        try await write { connection in
            var result = FleetImportResult()
            var events: [StoreEvent] = []
            for device in batch.devices {
                let id = device.id.rawValue
                // Only a new device's client ids are checked (a kept one keeps its own), and
                // before the insert, so a taken one is refused with this store's message.
                let exists = try await connection.query("SELECT 1 FROM devices WHERE id = \(id)", logger: self.logger).collect()
                if exists.isEmpty { try await self.refuseTakenClientIDs(connection, device.id, bound: device.clientID) }
                let inserted = try await connection.query(
                    """
                    INSERT INTO devices (id, enabled, policy, created, client_id)
                    VALUES (\(id), \(device.enabled), \(AuthFactors.password.name), \(batch.created), \(device.clientID?.rawValue))
                    ON CONFLICT (id) DO NOTHING RETURNING 1
                    """, logger: self.logger
                ).collect()
                let groups = try await connection.query(
                    """
                    INSERT INTO device_groups (device_id, group_name)
                    SELECT \(id), unnest(\(device.groups.map(\.rawValue))::text[])
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: self.logger
                ).collect()
                guard !inserted.isEmpty else {
                    result.kept.append(device.id)
                    if !groups.isEmpty { events.append(.groupsChanged(device.id)) }
                    continue
                }
                if let legacy = device.legacy {
                    _ = try await connection.query(
                        "INSERT INTO legacy_credentials (device_id, hash) VALUES (\(id), \(legacy.encoded))", logger: self.logger
                    ).collect()
                }
                result.added.append(device.id)
                events.append(.deviceAdded(device.id))
            }
            var changedScopes: [ACLScope] = []
            for item in batch.rules {
                let device: String?, group: String?
                switch item.scope {
                case .device(let id):
                    try await self.requireDevice(connection, id)
                    (device, group) = (id.rawValue, nil)
                case .group(let name):
                    (device, group) = (nil, name.rawValue)
                }
                let effect = item.rule.effect.description, access = Int(item.rule.access.rawValue), pattern = item.rule.pattern.rawValue
                let exists = try await connection.query(
                    """
                    SELECT 1 FROM acl_rules WHERE device_id IS NOT DISTINCT FROM \(device) AND group_name IS NOT DISTINCT FROM \(group)
                        AND effect = \(effect) AND access = \(access) AND pattern = \(pattern)
                    """, logger: self.logger
                ).collect()
                if !exists.isEmpty {
                    result.rulesKept += 1
                    continue
                }
                _ = try await connection.query(
                    """
                    INSERT INTO acl_rules (device_id, group_name, effect, access, pattern)
                    VALUES (\(device), \(group), \(effect), \(access), \(pattern))
                    """, logger: self.logger
                ).collect()
                result.rulesAdded += 1
                if !changedScopes.contains(item.scope) { changedScopes.append(item.scope) }
            }
            return (result, events + changedScopes.map { .rulesChanged($0) })
        }
    }

    /// Inserts or replaces a `scram_credentials` row and drops an imported hash the device still had.
    func insertSCRAM(_ connection: PostgresConnection, _ credential: SCRAMCredential, device id: DeviceID) async throws {
        _ = try await connection.query(
            """
            INSERT INTO scram_credentials (device_id, mechanism, salt, iterations, stored_key, server_key)
            VALUES (\(id.rawValue), \(credential.mechanism.name), \(Data(credential.salt)), \(credential.iterations),
                    \(Data(credential.storedKey)), \(Data(credential.serverKey)))
            ON CONFLICT (device_id) DO UPDATE SET
                mechanism = excluded.mechanism, salt = excluded.salt, iterations = excluded.iterations,
                stored_key = excluded.stored_key, server_key = excluded.server_key
            """, logger: logger
        ).collect()
        _ = try await connection.query("DELETE FROM legacy_credentials WHERE device_id = \(id.rawValue)", logger: logger).collect()
    }
}
