import CastellanAuth
import PostgresNIO

extension PostgresStore {
    /// Adds one failure and returns the new record: one upsert with `RETURNING`, so concurrent
    /// failures from every instance are each counted and each see a distinct count.
    public func recordFailure(for device: DeviceID, at unixTime: Int64) async throws -> LockoutRecord {
        try await read { connection in
            let row = try await connection.query(
                """
                INSERT INTO lockout_counters AS c (device_id, failures, last_failure) VALUES (\(device.rawValue), 1, \(unixTime))
                ON CONFLICT (device_id) DO UPDATE SET
                    failures = CASE WHEN c.failures >= 9223372036854775807 THEN c.failures ELSE c.failures + 1 END,
                    last_failure = greatest(coalesce(c.last_failure, excluded.last_failure), excluded.last_failure)
                RETURNING failures, last_failure
                """, logger: self.logger
            ).collect().first!
            return try Self.lockoutRecord(row)
        }
    }

    /// Resets the count after a success.
    public func recordSuccess(for device: DeviceID) async throws {
        try await read { connection in
            _ = try await connection.query("DELETE FROM lockout_counters WHERE device_id = \(device.rawValue)", logger: self.logger)
                .collect()
        }
    }

    /// The device's current record (empty if it never failed).
    public func record(for device: DeviceID) async throws -> LockoutRecord {
        try await read { connection in
            try await connection.query(
                "SELECT failures, last_failure FROM lockout_counters WHERE device_id = \(device.rawValue)", logger: self.logger
            ).collect().first.map(Self.lockoutRecord) ?? LockoutRecord()
        }
    }

    /// Clears the count, lifting any lock, and records who did it in the change log.
    public func unlock(_ device: DeviceID) async throws {
        try await write { connection in
            _ = try await connection.query("DELETE FROM lockout_counters WHERE device_id = \(device.rawValue)", logger: self.logger)
                .collect()
            return ((), [.deviceUnlocked(device)])
        }
    }

    static func lockoutRecord(_ row: PostgresRow) throws -> LockoutRecord {
        do {
            let (failures, lastFailure) = try row.decode((Int64, Int64?).self)
            return LockoutRecord(consecutiveFailures: Int(failures), lastFailure: lastFailure)
        } catch {
            throw StoreError.corruptRecord("lockout counter: \(error)")
        }
    }
}
