import CastellanAuth
import Foundation
import GRDB

extension SQLiteStore {
    /// The device's imported password hash, or `nil`.
    public func legacyCredential(device id: DeviceID) async throws -> LegacyPasswordHash? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT hash FROM legacy_credentials WHERE device_id = ?", arguments: [id.rawValue])
                .map { try StoredColumns.legacy($0, device: id) }
        }
    }

    /// Every imported password hash still held, by device.
    public func legacyCredentials() async throws -> [DeviceID: LegacyPasswordHash] {
        try await pool.read { db in
            var hashes: [DeviceID: LegacyPasswordHash] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, hash FROM legacy_credentials") {
                let raw: String = row["device_id"]
                let id: DeviceID
                do { id = try DeviceID(raw) } catch { throw StoreError.corruptRecord("imported password hash of '\(raw)': \(error)") }
                hashes[id] = try StoredColumns.legacy(row["hash"], device: id)
            }
            return hashes
        }
    }

    /// Swaps the imported hash for SCRAM keys if it is still the device's credential.
    public func upgradeLegacyCredential(_ legacy: LegacyPasswordHash, to credential: SCRAMCredential, device id: DeviceID) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM legacy_credentials WHERE device_id = ?1 AND hash = ?2
                        AND NOT EXISTS (SELECT 1 FROM scram_credentials WHERE device_id = ?1)
                    """,
                arguments: [id.rawValue, legacy.encoded])
            guard db.changesCount == 1 else { return (false, []) }
            try Self.insertSCRAM(db, credential, device: id)
            return (true, [.credentialUpgraded(id)])
        }
    }

    /// Applies an import in one write transaction.
    public func importFleet(_ batch: FleetImport) async throws -> FleetImportResult {
        try await write { db in
            var result = FleetImportResult()
            var events: [StoreEvent] = []
            for device in batch.devices {
                let id = device.id.rawValue
                if try self.deviceExists(db, device.id) {
                    result.kept.append(device.id)
                    var changed = false
                    for group in device.groups {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO device_groups (device_id, group_name) VALUES (?, ?)", arguments: [id, group.rawValue])
                        changed = changed || db.changesCount == 1
                    }
                    if changed { events.append(.groupsChanged(device.id)) }
                    continue
                }
                try Self.refuseTakenClientIDs(db, device.id, bound: device.clientID)
                try db.execute(
                    sql: "INSERT INTO devices (id, enabled, policy, created, client_id) VALUES (?, ?, ?, ?, ?)",
                    arguments: [id, device.enabled, AuthFactors.password.name, batch.created, device.clientID?.rawValue])
                for group in device.groups {
                    try db.execute(sql: "INSERT INTO device_groups (device_id, group_name) VALUES (?, ?)", arguments: [id, group.rawValue])
                }
                if let legacy = device.legacy {
                    try db.execute(sql: "INSERT INTO legacy_credentials (device_id, hash) VALUES (?, ?)", arguments: [id, legacy.encoded])
                }
                result.added.append(device.id)
                events.append(.deviceAdded(device.id))
            }
            var changedScopes: [ACLScope] = []
            for item in batch.rules {
                let device: String?, group: String?
                switch item.scope {
                case .device(let id):
                    try self.requireDevice(db, id)
                    (device, group) = (id.rawValue, nil)
                case .group(let name):
                    (device, group) = (nil, name.rawValue)
                }
                let arguments: StatementArguments = [
                    device, group, item.rule.effect.description, item.rule.access.rawValue, item.rule.pattern.rawValue,
                ]
                let exists = try Bool.fetchOne(
                    db, sql: """
                        SELECT 1 FROM acl_rules WHERE device_id IS ? AND group_name IS ? AND effect = ? AND access = ? AND pattern = ?
                        """, arguments: arguments) ?? false
                if exists {
                    result.rulesKept += 1
                    continue
                }
                try db.execute(
                    sql: "INSERT INTO acl_rules (device_id, group_name, effect, access, pattern) VALUES (?, ?, ?, ?, ?)", arguments: arguments)
                result.rulesAdded += 1
                if !changedScopes.contains(item.scope) { changedScopes.append(item.scope) }
            }
            return (result, events + changedScopes.map { .rulesChanged($0) })
        }
    }

    /// Inserts or replaces a `scram_credentials` row and drops an imported hash the device still had.
    static func insertSCRAM(_ db: Database, _ credential: SCRAMCredential, device id: DeviceID) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO scram_credentials (device_id, mechanism, salt, iterations, stored_key, server_key)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id.rawValue, credential.mechanism.name, Data(credential.salt), credential.iterations,
                Data(credential.storedKey), Data(credential.serverKey),
            ])
        try db.execute(sql: "DELETE FROM legacy_credentials WHERE device_id = ?", arguments: [id.rawValue])
    }
}
