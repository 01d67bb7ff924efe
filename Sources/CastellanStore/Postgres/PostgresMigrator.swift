import Logging
import PostgresNIO

/// Applies ``PostgresSchema`` migrations: each in its own transaction with its record, under
/// a transaction-scoped advisory lock, so concurrent openers migrate once.
enum PostgresMigrator {
    /// Migrates to the newest schema, or refuses a database that holds unknown migrations
    /// (``StoreError/schemaTooNew(_:fileID:line:)``) before writing anything.
    ///
    /// - Parameter target: the last migration to apply (tests build older schemas with it).
    static func migrate(_ connection: PostgresConnection, upTo target: String? = nil, logger: Logger) async throws {
        let migrations: ArraySlice<PostgresSchema.Migration>
        if let target {
            guard let last = PostgresSchema.migrations.firstIndex(where: { $0.identifier == target }) else {
                preconditionFailure("unknown migration \(target)")
            }
            migrations = PostgresSchema.migrations[...last]
        } else {
            migrations = PostgresSchema.migrations[...]
        }
        // Read-only first: a current schema needs no lock and no write (nor the CREATE privilege).
        let alreadyApplied = try await applied(connection, logger: logger)
        let unknownAtStart = alreadyApplied.filter { !PostgresSchema.versions.contains($0) }
        guard unknownAtStart.isEmpty else {
            throw StoreError.schemaTooNew("unknown migrations: \(unknownAtStart.sorted().joined(separator: ", "))")
        }
        let pending = migrations.filter { migration in !alreadyApplied.contains(migration.identifier) }
        for migration in pending {
            try await PostgresStore.transaction(connection, logger: logger) { connection in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger).collect()
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS castellan_migrations (identifier TEXT COLLATE \"C\" PRIMARY KEY)", logger: logger
                ).collect()
                let recorded = try await applied(connection, logger: logger)
                let unknown = recorded.filter { !PostgresSchema.versions.contains($0) }
                guard unknown.isEmpty else {
                    throw StoreError.schemaTooNew("unknown migrations: \(unknown.sorted().joined(separator: ", "))")
                }
                guard !recorded.contains(migration.identifier) else { return }
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                }
                _ = try await connection.query(
                    "INSERT INTO castellan_migrations (identifier) VALUES (\(migration.identifier))", logger: logger
                ).collect()
            }
        }
    }

    /// The recorded migration identifiers, sorted; empty for a database never migrated.
    static func applied(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        let exists = try await connection.query("SELECT to_regclass('castellan_migrations') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        return try await connection.query("SELECT identifier FROM castellan_migrations ORDER BY identifier", logger: logger)
            .collect().map { try $0.decode(String.self) }
    }
}
