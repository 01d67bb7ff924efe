import Foundation
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
    /// Whether a Castellan store exists at `url` (an SQLite file; a migrated PostgreSQL database).
    public static func exists(_ url: StoreURL) async throws -> Bool {
        switch url {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres(let text): try await PostgresStore.holdsStore(PostgresURL(parsing: text))
        }
    }

    ///
    /// Only `castellan init` passes `create`: every other caller refuses a store that does not
    /// exist (``StoreError/noStore(_:fileID:line:)``), and every caller a master key that is not
    /// the store's (``StoreError/wrongMasterKey(_:fileID:line:)``).
    public static func open(
        _ url: StoreURL, masterKey: MasterKey, eventLoopGroup: (any EventLoopGroup)? = nil, create: Bool = false
    ) async throws -> any CredentialStore {
        switch url {
        case .sqlite(let path): return try SQLiteStore(path: path, masterKey: masterKey, create: create)
        case .postgres(let text):
            return try await PostgresStore.open(
                PostgresURL(parsing: text), masterKey: masterKey, eventLoopGroup: eventLoopGroup, create: create)
        }
    }
}
