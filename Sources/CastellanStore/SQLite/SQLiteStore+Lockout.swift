import CastellanAuth
import GRDB

extension SQLiteStore {
    /// Adds one failure and returns the new record, in one transaction (an upsert, then a read).
    public func recordFailure(for device: DeviceID, at unixTime: Int64) async throws -> LockoutRecord {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO lockout_counters (device_id, failures, last_failure) VALUES (?, 1, ?)
                    ON CONFLICT (device_id) DO UPDATE SET
                        failures = CASE WHEN failures >= 9223372036854775807 THEN failures ELSE failures + 1 END,
                        last_failure = max(coalesce(last_failure, excluded.last_failure), excluded.last_failure)
                    """,
                arguments: [device.rawValue, unixTime])
            return try Self.lockoutRecord(db, device)
        }
    }

    /// Resets the count after a success.
    public func recordSuccess(for device: DeviceID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue])
        }
    }

    /// The device's current record (empty if it never failed).
    public func record(for device: DeviceID) async throws -> LockoutRecord {
        try readOnCallingThread { db in try Self.lockoutRecord(db, device) }
    }

    /// Clears the count, lifting any lock; and records who did it in the change log.
    public func unlock(_ device: DeviceID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue])
            return ((), [.deviceUnlocked(device)])
        }
    }

    static func lockoutRecord(_ db: Database, _ device: DeviceID) throws -> LockoutRecord {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT failures, last_failure FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue])
        else { return LockoutRecord() }
        return LockoutRecord(consecutiveFailures: row["failures"], lastFailure: row["last_failure"])
    }
}
