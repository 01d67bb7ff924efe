import Foundation
import PostgresNIO

extension PostgresStore {
    /// The id of the newest change-log record, 0 for an empty log.
    public func latestChangeID() async throws -> Int64 {
        try await read { connection in
            try await connection.query("SELECT coalesce(max(id), 0) FROM changes", logger: self.logger)
                .collect().first?.decode(Int64.self) ?? 0
        }
    }

    /// Records after `id`, oldest first, at most `limit`.
    public func changes(after id: Int64, limit: Int) async throws -> [ChangeRecord] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.changeColumns) WHERE id > \(id) ORDER BY id LIMIT \(max(0, limit))", logger: self.logger
            ).collect().compactMap(Self.changeRecord)
        }
    }

    /// The newest `limit` records, oldest first.
    public func recentChanges(limit: Int) async throws -> [ChangeRecord] {
        try await read { connection in
            try await connection.query(
                "\(unescaped: Self.changeColumns) ORDER BY id DESC LIMIT \(max(0, limit))", logger: self.logger
            ).collect().reversed().compactMap(Self.changeRecord)
        }
    }

    /// Follows the log from `id`, woken by NOTIFY, by this instance's commits, after every
    /// reconnect of the LISTEN connection, and once a second.
    public func follow(after id: Int64) -> AsyncStream<ChangeRecord> {
        let stream = feed.follow(after: id) { [weak self] after, limit in
            guard let self else { throw CancellationError() }
            return try await self.changes(after: after, limit: limit)
        }
        startWaking()
        return stream
    }

    /// `nil`: a read is a round trip to the server, which the fast lane exists to avoid.
    public func latestChangeIDNow() -> Int64? { nil }

    /// Appends `events` to the change log under the change-log lock, and wakes every listener.
    func appendChanges(_ events: [StoreEvent], actor: String, _ connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        let time = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.changeLogLock))", logger: logger).collect()
        for event in events {
            let columns = event.columns
            _ = try await connection.query(
                """
                INSERT INTO changes (time, kind, device_id, detail, actor)
                VALUES (\(time), \(columns.kind), \(columns.device), \(columns.detail), \(actor))
                """, logger: logger
            ).collect()
        }
        _ = try await connection.query("SELECT pg_notify(\(Self.eventChannel), '')", logger: logger).collect()
    }

    static let changeColumns = "SELECT id, time, kind, device_id, detail, actor FROM changes"

    /// A record, or `nil` for a kind this build does not know (written by a newer Castellan).
    static func changeRecord(_ row: PostgresRow) throws -> ChangeRecord? {
        let columns: (Int64, Int64, String, String?, String?, String)
        do {
            columns = try row.decode((Int64, Int64, String, String?, String?, String).self)
        } catch {
            throw StoreError.corruptRecord("change record: \(error)")
        }
        guard let event = StoreEvent(kind: columns.2, device: columns.3, detail: columns.4) else { return nil }
        return ChangeRecord(id: columns.0, time: columns.1, event: event, actor: columns.5)
    }
}
