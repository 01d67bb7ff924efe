import GRDB

extension SQLiteStore {
    /// Appends entries in one transaction.
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO audit_log (time, identity, client_id, address, method, result, reason, broker_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for entry in entries {
                try statement.execute(arguments: [
                    entry.time, entry.identity, entry.clientID, entry.address, entry.method, entry.result,
                    entry.reason, entry.brokerID,
                ])
            }
        }
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
