import CastellanAuth
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The shared store: PostgreSQL through postgres-nio, for several service instances (and
/// brokers) on one database.
///
/// Same records, same rules and same semantics as ``SQLiteStore``: every write is one
/// transaction on one pooled connection (a refused or failed call rolls back and changes
/// nothing); a TOTP step is accepted by one conditional `UPDATE` and a failure counted by one
/// upsert, so both are atomic across every instance. Opening migrates the schema
/// (``PostgresSchema``) and refuses a database migrated by a newer build.
///
/// Every write that changes something appends to the change log in its own transaction, holding
/// a transaction-scoped advisory lock while it does, so log ids grow in commit order across
/// every instance. A `pg_notify` in the same transaction wakes every instance's followers; the
/// NOTIFY is only a wake-up: followers read the log by id, so changes committed while an
/// instance's LISTEN connection was down are read when it is back (it reconnects with backoff
/// and catches up), and a follower is also woken once a second.
///
/// Background work: a connection pool and the listener run in tasks this store owns. Call
/// ``close()`` to end them and wait; dropping the store cancels them without waiting.
public final class PostgresStore: CredentialStore {
    /// The NOTIFY channel that wakes change-log followers (one per database).
    static let eventChannel = "castellan_events"
    /// Key of the advisory lock held by a transaction while it appends to the change log
    /// ("chglog" in ASCII, as a number): without it, identity values are taken in statement
    /// order but become visible in commit order, and a follower could pass over a slower commit.
    static let changeLogLock: Int64 = 0x6368_676C_6F67
    /// Connections in a store instance's pool, the listener's included (the connect path's read
    /// has one more of its own).
    public static let defaultMaximumConnections = 8

    let client: PostgresClient
    /// The connection of the connect-path read, outside the pool.
    let connectReader: PostgresConnectReader
    let logger: Logger
    let feed = ChangeFeed()
    let sealer: Mutex<SecretSealer>
    let clock: @Sendable () -> Int64
    private let background: Mutex<[Task<Void, Never>]>
    /// Whether the LISTEN task runs (started by the first follower).
    let listening = Mutex(false)

    /// Hands a background task to the store: cancelled by ``close()`` (newest first) and on deinit.
    func appendBackground(_ task: Task<Void, Never>) { background.withLock { $0.append(task) } }

    private init(
        client: PostgresClient, connectReader: PostgresConnectReader, logger: Logger, masterKey: MasterKey,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.client = client
        self.connectReader = connectReader
        self.logger = logger
        self.sealer = Mutex(SecretSealer(key: masterKey))
        self.clock = clock
        self.background = Mutex([])
    }

    /// Connects and migrates the schema.
    ///
    /// Refuses a newer schema (``StoreError/schemaTooNew(_:fileID:line:)``);
    /// an unreachable server or a failed login throws ``StoreError/backend(_:fileID:line:)``.
    ///
    /// - Parameters:
    ///   - masterKey: seals and opens TOTP secrets.
    ///   - clock: Unix seconds, for the times the store stamps itself (automatic revocations).
    ///   - maximumConnections: the pool's size, the listening connection included (at least 2).
    ///   - eventLoopGroup: where the connections do their I/O; `nil` = postgres-nio's default group.
    ///   - create: whether a database never migrated may be made a store (only `castellan init`);
    ///     otherwise it is refused (``StoreError/noStore(_:fileID:line:)``). A store opened with a
    ///     master key other than the one its first open recorded is refused
    ///     (``StoreError/wrongMasterKey(_:fileID:line:)``).
    public static func open(
        _ url: PostgresURL, masterKey: MasterKey, clock: @escaping @Sendable () -> Int64 = SQLiteStore.systemClock,
        maximumConnections: Int = defaultMaximumConnections, eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "castellan.store.postgres"), create: Bool = true
    ) async throws -> PostgresStore {
        // One direct connection first: an unreachable server or a refused login fails here at
        // once with its real cause (the pool would retry for a minute), and migrating needs
        // only this one connection.
        try await translatingErrors {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(url), id: 0, logger: logger)
            do {
                if !create, try await PostgresMigrator.applied(connection, logger: logger).isEmpty {
                    throw StoreError.noStore("PostgreSQL database \(url.database) (never migrated)")
                }
                try await PostgresMigrator.migrate(connection, logger: logger)
                try await transaction(connection, logger: logger) { connection in
                    _ = try await connection.query(
                        "INSERT INTO store_key (id, check_value) VALUES (1, \(Data(masterKey.checkValue))) ON CONFLICT DO NOTHING",
                        logger: logger
                    ).collect()
                    let stored = try await connection.query("SELECT check_value FROM store_key WHERE id = 1", logger: logger)
                        .collect().first?.decode(Data.self)
                    guard let stored, ConstantTime.equal(Array(stored), masterKey.checkValue) else { throw StoreError.wrongMasterKey(masterKey.file) }
                }
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        }
        let group = eventLoopGroup ?? PostgresClient.defaultEventLoopGroup
        let client = PostgresClient(
            configuration: try clientConfiguration(url, maximumConnections: max(2, maximumConnections)),
            eventLoopGroup: group, backgroundLogger: logger)
        let connectReader = PostgresConnectReader(
            configuration: try connectionConfiguration(url), eventLoop: group.next(), logger: logger)
        let store = PostgresStore(client: client, connectReader: connectReader, logger: logger, masterKey: masterKey, clock: clock)
        store.appendBackground(Task { await client.run() })
        return store
    }

    /// Whether the database was ever made a Castellan store (it has recorded migrations).
    public static func holdsStore(_ url: PostgresURL, logger: Logger = Logger(label: "castellan.store.postgres")) async throws -> Bool {
        try await translatingErrors {
            let connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(url), id: 0, logger: logger)
            let applied: [String]
            do {
                applied = try await PostgresMigrator.applied(connection, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
            return !applied.isEmpty
        }
    }

    /// The schema migrations applied to the database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await read { connection in try await PostgresMigrator.applied(connection, logger: self.logger) }
    }

    /// Stops the listener and the pool (closing every connection), waits for both, and ends
    /// every event stream. Idempotent.
    public func close() async {
        let tasks = background.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        // Listener first (it holds a pooled connection), then the pool.
        for task in tasks.reversed() {
            task.cancel()
            await task.value
        }
        await connectReader.close()
        feed.finish()
    }

    deinit {
        // Newest first, as ``close()`` does: the listener is cancelled before the pool it
        // borrows from shuts down, so it never mistakes the shutdown for a lost connection.
        for task in background.withLock({ $0 }).reversed() { task.cancel() }
    }

    // MARK: Transactions

    /// Runs `body` in one transaction on one pooled connection; the events it returns are
    /// appended to the change log (attributed to ``ChangeActor/current``) and announced with
    /// `pg_notify` before `COMMIT`, so they exist exactly when the write does.
    func write<T: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> (T, [StoreEvent])
    ) async throws -> T {
        let actor = ChangeActor.current
        let (value, changed) = try await translatingErrors {
            try await client.withConnection { connection in
                try await Self.transaction(connection, logger: self.logger) { connection in
                    let (value, events) = try await body(connection)
                    try await self.appendChanges(events, actor: actor, connection)
                    return (value, !events.isEmpty)
                }
            }
        }
        if changed { feed.wake() }
        return value
    }

    /// Runs `body` on one pooled connection, outside any explicit transaction (one statement
    /// is its own snapshot).
    func read<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await translatingErrors {
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// `BEGIN`, `body`, `COMMIT`; on any error `ROLLBACK` and rethrow the original error. A
    /// connection whose rollback failed is closed, so the pool never lends it out mid-transaction.
    static func transaction<T>(
        _ connection: PostgresConnection, logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        _ = try await connection.query("BEGIN", logger: logger).collect()
        do {
            let value = try await body(connection)
            _ = try await connection.query("COMMIT", logger: logger).collect()
            return value
        } catch {
            do {
                _ = try await connection.query("ROLLBACK", logger: logger).collect()
            } catch {
                try? await connection.close()
            }
            throw error
        }
    }

    /// Maps postgres-nio's errors (whose descriptions are deliberately vague) to
    /// ``StoreError/backend(_:fileID:line:)`` with the server's message and SQLSTATE, never a
    /// bound value; ``StoreError``s pass through.
    static func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw Self.storeError(error)
        }
    }

    func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        try await Self.translatingErrors(body)
    }

    static func storeError(_ error: PSQLError) -> StoreError {
        if let server = error.serverInfo {
            let message = server[.message] ?? "error"
            let state = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            let detail = server[.detail].map { ": \($0)" } ?? ""
            return .backend("\(message)\(detail)\(state)")
        }
        if let underlying = error.underlying {
            return .backend("\(error.code): \(underlying)")
        }
        return .backend("\(error.code)")
    }

    /// The SQLSTATE of a server error, if `error` is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    // MARK: Helpers shared by the extensions

    /// Locks the device row against a concurrent removal for the rest of the transaction, or
    /// throws ``StoreError/unknownDevice(_:fileID:line:)``.
    func requireDevice(_ connection: PostgresConnection, _ id: DeviceID) async throws {
        let rows = try await connection.query(
            "SELECT 1 FROM devices WHERE id = \(id.rawValue) FOR KEY SHARE", logger: logger
        ).collect()
        guard !rows.isEmpty else { throw StoreError.unknownDevice(id.rawValue) }
    }
}
