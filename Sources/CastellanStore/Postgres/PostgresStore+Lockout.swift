import CastellanAuth
import Logging
import PostgresNIO

extension PostgresStore {
    /// Adds one failure from `source` to its record and to the device's total: one statement
    /// (the total's upsert in a data-modifying `WITH`, which runs whether or not it is read),
    /// so concurrent failures from every instance are each counted and each see a distinct count.
    public func recordFailure(for device: DeviceID, from source: String, at unixTime: Int64) async throws -> LockoutRecord {
        try await read { connection in
            let row = try await Self.apply(.failure(device, source: source, at: unixTime), connection, logger: self.logger)
            guard let row else { throw StoreError.corruptRecord("lockout counter: the upsert returned no row") }
            return try Self.lockoutRecord(row)
        }
    }

    /// Forgets the failures from `source` after a success from it.
    public func recordSuccess(for device: DeviceID, from source: String) async throws {
        try await read { connection in _ = try await Self.apply(.success(device, source: source), connection, logger: self.logger) }
    }

    /// Applies `changes` in order in one transaction, with a ``StoreEvent/firstFailure(_:)``
    /// record for each device whose failure total leaves zero.
    public func apply(_ changes: [LockoutChange]) async throws {
        try await write { connection in
            var first: [StoreEvent] = []
            var checked: Set<DeviceID> = []  // a device's total is read once per batch, before its first failure in it
            for change in changes {
                if case .failure(let device, _, _) = change, checked.insert(device).inserted,
                   try await connection.query(
                       "SELECT 1 FROM lockout_counters WHERE device_id = \(device.rawValue)", logger: self.logger
                   ).collect().isEmpty {
                    first.append(.firstFailure(device))
                }
                _ = try await Self.apply(change, connection, logger: self.logger)
            }
            return ((), first)
        }
    }

    /// One change; a failure returns the source's new record.
    private static func apply(_ change: LockoutChange, _ connection: PostgresConnection, logger: Logger) async throws -> PostgresRow? {
        switch change {
        case .failure(let device, let source, let unixTime):
            return try await connection.query(
                """
                WITH total AS (
                    INSERT INTO lockout_counters AS c (device_id, failures, last_failure) VALUES (\(device.rawValue), 1, \(unixTime))
                    ON CONFLICT (device_id) DO UPDATE SET
                        failures = CASE WHEN c.failures >= 9223372036854775807 THEN c.failures ELSE c.failures + 1 END,
                        last_failure = greatest(coalesce(c.last_failure, excluded.last_failure), excluded.last_failure)
                )
                INSERT INTO lockout_sources AS s (device_id, source, failures, last_failure)
                VALUES (\(device.rawValue), \(source), 1, \(unixTime))
                ON CONFLICT (device_id, source) DO UPDATE SET
                    failures = CASE WHEN s.failures >= 9223372036854775807 THEN s.failures ELSE s.failures + 1 END,
                    last_failure = greatest(coalesce(s.last_failure, excluded.last_failure), excluded.last_failure)
                RETURNING failures, last_failure
                """, logger: logger
            ).collect().first
        case .success(let device, let source):
            _ = try await connection.query(
                "DELETE FROM lockout_sources WHERE device_id = \(device.rawValue) AND source = \(source)", logger: logger
            ).collect()
            return nil
        }
    }

    /// The device's total over every source (empty if it never failed).
    public func record(for device: DeviceID) async throws -> LockoutRecord {
        try await read { connection in
            try await connection.query(
                "SELECT failures, last_failure FROM lockout_counters WHERE device_id = \(device.rawValue)", logger: self.logger
            ).collect().first.map(Self.lockoutRecord) ?? LockoutRecord()
        }
    }

    /// The failures from one source (empty if it never failed).
    public func record(for device: DeviceID, from source: String) async throws -> LockoutRecord {
        try await read { connection in
            try await connection.query(
                "SELECT failures, last_failure FROM lockout_sources WHERE device_id = \(device.rawValue) AND source = \(source)",
                logger: self.logger
            ).collect().first.map(Self.lockoutRecord) ?? LockoutRecord()
        }
    }

    /// Clears the device's total and every source's record, in one statement, and records who
    /// did it in the change log (same transaction).
    public func unlock(_ device: DeviceID) async throws {
        try await write { connection in
            _ = try await connection.query(
                """
                WITH sources AS (DELETE FROM lockout_sources WHERE device_id = \(device.rawValue))
                DELETE FROM lockout_counters WHERE device_id = \(device.rawValue)
                """, logger: self.logger
            ).collect()
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
