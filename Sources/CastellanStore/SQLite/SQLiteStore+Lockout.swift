import CastellanAuth
import GRDB

extension SQLiteStore {
    /// Adds one failure from `source` to its record and to the device's total, in one
    /// transaction; returns the source's new record.
    public func recordFailure(for device: DeviceID, from source: String, at unixTime: Int64) async throws -> LockoutRecord {
        try await pool.write { db in
            try Self.apply(.failure(device, source: source, at: unixTime), db)
            return try Self.lockoutRecord(db, device, source: source)
        }
    }

    /// Forgets the failures from `source` after a success from it.
    public func recordSuccess(for device: DeviceID, from source: String) async throws {
        try await pool.write { db in try Self.apply(.success(device, source: source), db) }
    }

    /// Applies `changes` in order in one transaction, with a ``StoreEvent/firstFailure(_:)``
    /// record for each device whose failure total leaves zero.
    public func apply(_ changes: [LockoutChange]) async throws {
        try await write { db in
            var first: [StoreEvent] = []
            var checked: Set<DeviceID> = []  // a device's total is read once per batch, before its first failure in it
            for change in changes {
                if case .failure(let device, _, _) = change, checked.insert(device).inserted,
                   try Bool.fetchOne(db, sql: "SELECT 1 FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue]) != true {
                    first.append(.firstFailure(device))
                }
                try Self.apply(change, db)
            }
            return ((), first)
        }
    }

    private static func apply(_ change: LockoutChange, _ db: Database) throws {
        switch change {
        case .failure(let device, let source, let unixTime):
            try db.cachedStatement(sql: """
                INSERT INTO lockout_counters (device_id, failures, last_failure) VALUES (?, 1, ?)
                ON CONFLICT (device_id) DO UPDATE SET \(addFailure)
                """).execute(arguments: [device.rawValue, unixTime])
            try db.cachedStatement(sql: """
                INSERT INTO lockout_sources (device_id, source, failures, last_failure) VALUES (?, ?, 1, ?)
                ON CONFLICT (device_id, source) DO UPDATE SET \(addFailure)
                """).execute(arguments: [device.rawValue, source, unixTime])
        case .success(let device, let source):
            try db.cachedStatement(sql: "DELETE FROM lockout_sources WHERE device_id = ? AND source = ?")
                .execute(arguments: [device.rawValue, source])
        }
    }

    /// The device's total over every source (empty if it never failed).
    public func record(for device: DeviceID) async throws -> LockoutRecord {
        try readOnCallingThread { db in try Self.lockoutRecord(db, device, source: nil) }
    }

    /// The failures from one source (empty if it never failed). The connect path has them from
    /// its one read (``connectProfile(device:source:)``).
    public func record(for device: DeviceID, from source: String) async throws -> LockoutRecord {
        try readOnCallingThread { db in try Self.lockoutRecord(db, device, source: source) }
    }

    /// Clears the device's total and every source's record, lifting every lock; records who
    /// did it in the change log.
    public func unlock(_ device: DeviceID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue])
            try db.execute(sql: "DELETE FROM lockout_sources WHERE device_id = ?", arguments: [device.rawValue])
            return ((), [.deviceUnlocked(device)])
        }
    }

    /// One more failure, saturating; a clock stepping back never shortens a running lock.
    private static let addFailure = """
        failures = CASE WHEN failures >= 9223372036854775807 THEN failures ELSE failures + 1 END,
        last_failure = max(coalesce(last_failure, excluded.last_failure), excluded.last_failure)
        """

    /// The source's record, or the device's total when `source` is `nil`.
    static func lockoutRecord(_ db: Database, _ device: DeviceID, source: String?) throws -> LockoutRecord {
        let row = if let source {
            try Row.fetchOne(
                db, sql: "SELECT failures, last_failure FROM lockout_sources WHERE device_id = ? AND source = ?",
                arguments: [device.rawValue, source])
        } else {
            try Row.fetchOne(
                db, sql: "SELECT failures, last_failure FROM lockout_counters WHERE device_id = ?", arguments: [device.rawValue])
        }
        guard let row else { return LockoutRecord() }
        return LockoutRecord(consecutiveFailures: row["failures"], lastFailure: row["last_failure"])
    }
}
