import PostgresNIO

extension PostgresStore {
    /// Appends entries in one transaction: multi-row `INSERT`s of up to 4096 rows each, in order.
    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await write { connection in
            for start in stride(from: 0, to: entries.count, by: 4_096) {
                let chunk = entries[start..<min(start + 4_096, entries.count)]
                var binds = PostgresBindings(capacity: chunk.count * 8)
                var rows: [String] = []
                for (index, entry) in chunk.enumerated() {
                    let base = index * 8
                    rows.append("(" + (1...8).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
                    binds.append(entry.time)
                    binds.append(entry.identity)
                    binds.append(entry.clientID)
                    binds.append(entry.address)
                    binds.append(entry.method)
                    binds.append(entry.result)
                    binds.append(entry.reason)
                    binds.append(entry.brokerID)
                }
                let sql = "INSERT INTO audit_log (time, identity, client_id, address, method, result, reason, broker_id) VALUES "
                    + rows.joined(separator: ", ")
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger).collect()
            }
            return ((), [])
        }
    }

    /// The newest `limit` entries, oldest first.
    public func recentAudit(limit: Int) async throws -> [AuditEntry] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.auditColumns) ORDER BY id DESC LIMIT \(max(0, limit))", logger: self.logger
            ).collect().reversed().map(Self.auditEntry)
        }
    }

    /// Entries after `id`, oldest first, at most `limit`.
    public func audit(after id: Int64, limit: Int) async throws -> [AuditEntry] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.auditColumns) WHERE id > \(id) ORDER BY id LIMIT \(max(0, limit))", logger: self.logger
            ).collect().map(Self.auditEntry)
        }
    }

    static let auditColumns =
        "SELECT id, time, identity, client_id, address, method, result, reason, broker_id FROM audit_log"

    static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        do {
            let (id, time, identity, clientID, address, method, result, reason, brokerID) =
                try row.decode((Int64, Int64, String?, String?, String?, String, String, String?, String?).self)
            return AuditEntry(
                id: id, time: time, identity: identity, clientID: clientID, address: address, method: method,
                result: result, reason: reason, brokerID: brokerID)
        } catch {
            throw StoreError.corruptRecord("audit entry: \(error)")
        }
    }
}
