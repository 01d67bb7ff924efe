import NIOCore

/// Opens the backend a ``StoreURL`` names.
public enum StoreOpener {
    /// Opens (and migrates) the store: ``SQLiteStore`` for `sqlite:PATH`, ``PostgresStore`` for
    /// `postgres://…` (connected, migrated and listening for change events when this returns).
    ///
    /// Refuses a database migrated by a newer build (``StoreError/schemaTooNew(_:fileID:line:)``);
    /// an unreachable PostgreSQL server throws ``StoreError/backend(_:fileID:line:)``.
    ///
    /// - Parameter eventLoopGroup: where PostgreSQL connections do their I/O (postgres-nio's
    ///   default group when `nil`). A caller whose tasks run on an event loop passes its group,
    ///   so a query's answer resumes the waiting task on the thread that read it.
    public static func open(
        _ url: StoreURL, masterKey: MasterKey, eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws -> any CredentialStore {
        switch url {
        case .sqlite(let path): return try SQLiteStore(path: path, masterKey: masterKey)
        case .postgres(let text):
            return try await PostgresStore.open(PostgresURL(parsing: text), masterKey: masterKey, eventLoopGroup: eventLoopGroup)
        }
    }
}
