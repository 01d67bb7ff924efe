import GRDB

extension SQLiteStore {
    /// Appends entries in one transaction, in order, in multi-row `INSERT`s of 32, 16, 8, 4, 2 or 1
    /// rows (one prepared statement per size, kept): per statement SQLite reads and updates the
    /// AUTOINCREMENT counter and GRDB checks and binds its arguments anew — one statement per entry
    /// was half of the audit writer's CPU per cached connect.
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await pool.write { db in
            var rest = entries[...]
            while !rest.isEmpty {
                let insert = Self.auditInserts.first { $0.rows <= rest.count }!  // the last one is a single row
                var values: [(any DatabaseValueConvertible)?] = []
                values.reserveCapacity(insert.rows * 8)
                for entry in rest.prefix(insert.rows) {
                    values += [entry.time, entry.identity, entry.clientID, entry.address, entry.method, entry.result,
                               entry.reason, entry.brokerID] as [(any DatabaseValueConvertible)?]
                }
                try db.cachedStatement(sql: insert.sql).execute(arguments: StatementArguments(values))
                rest = rest.dropFirst(insert.rows)
            }
        }
    }

    /// The `INSERT`s ``appendAudit(_:)`` uses, most rows first.
    private static let auditInserts: [(rows: Int, sql: String)] = [32, 16, 8, 4, 2, 1].map { rows in
        (rows, "INSERT INTO audit_log (time, identity, client_id, address, method, result, reason, broker_id) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
    }

    /// The newest `limit` entries, oldest first.
    public func recentAudit(limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [max(0, limit)])
                .reversed().map(Self.auditEntry)
        }
    }

    /// Entries after `id`, oldest first, at most `limit`.
    public func audit(after id: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, max(0, limit)])
                .map(Self.auditEntry)
        }
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(
            id: row["id"], time: row["time"], identity: row["identity"], clientID: row["client_id"],
            address: row["address"], method: row["method"], result: row["result"], reason: row["reason"],
            brokerID: row["broker_id"])
    }
}
