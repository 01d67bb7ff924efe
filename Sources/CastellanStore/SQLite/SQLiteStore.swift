import CastellanAuth
import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file in WAL mode, through a GRDB `DatabasePool`.
///
/// Readers never block the writer nor each other; writes are serialized and each is one
/// immediate transaction, so every compare-and-set is atomic across tasks and, with the busy
/// timeout, across processes sharing the file (the service and the CLI). Opening migrates the
/// schema and refuses a database written by a newer build (``StoreError/schemaTooNew(_:fileID:line:)``).
/// Every write that changes something appends to the change log in its own transaction; a
/// follower (``follow(after:)``) sees this instance's commits at once and other processes'
/// (the CLI, another service) through a poll of the WAL index's header every 50 ms.
public final class SQLiteStore: CredentialStore {
    /// How long a write waits for another process's write before failing.
    public static let busyTimeout: TimeInterval = 5

    let pool: DatabasePool
    /// The read-only connection of ``readOnCallingThread(_:)``.
    let connectReader: DatabaseQueue
    /// The WAL index's header, which answers ``latestChangeIDNow()`` while it stands still;
    /// `nil` where it cannot be read (then every call asks SQLite).
    let walIndex: WALIndexHeader?
    /// The last exact answer of ``latestChangeIDNow()``, with the header it was read under.
    let changeHead = Mutex<(header: WALIndexHeader.Snapshot, id: Int64, readAt: ContinuousClock.Instant)?>(nil)
    /// Exact reads ``latestChangeIDNow()`` made (for tests).
    let changeHeadReads = Atomic(0)
    let feed = ChangeFeed()
    /// The commit watch (started with the first follower).
    let watcher = Mutex<CommitWatch?>(nil)
    let path: String
    let sealer: Mutex<SecretSealer>
    let clock: @Sendable () -> Int64

    /// Opens and migrates the database at `path`, creating it if `create` (only `castellan init`
    /// does: everything else refuses a missing store, ``StoreError/noStore(_:fileID:line:)``, so a
    /// typo in a path is an error rather than an empty new fleet).
    ///
    /// The store keeps its master key's check value, recorded by the first open: a database
    /// opened with another key is refused (``StoreError/wrongMasterKey(_:fileID:line:)``).
    ///
    /// - Parameters:
    ///   - masterKey: seals and opens TOTP secrets.
    ///   - clock: Unix seconds, for the times the store stamps itself (automatic revocations).
    public init(
        path: String, masterKey: MasterKey, clock: @escaping @Sendable () -> Int64 = SQLiteStore.systemClock, create: Bool = true
    ) throws {
        guard create || FileManager.default.fileExists(atPath: path) else { throw StoreError.noStore(path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Connect-path reads touch a few B-tree pages per table: mapped, they cost no read()
            // system call each (a million-device store: p99 of one profile read roughly halved).
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mappedBytes)")
        }
        // The file holds SCRAM keys (enough for offline guessing): create it 0600, never world-readable.
        // SQLite gives the -wal and -shm files the database file's mode.
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try SecretFile.create(path, bytes: [])
            } catch {
                // Another process creating it at the same moment is fine; anything else is not.
                guard error.alreadyExists else { throw error }
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        sealer = Mutex(SecretSealer(key: masterKey))
        self.clock = clock
        self.path = path
        let migrator = SQLiteSchema.migrator
        let unknown = try pool.read { db -> [String] in
            guard try db.tableExists("grdb_migrations") else { return [] }
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            return applied.filter { !SQLiteSchema.versions.contains($0) }
        }
        guard unknown.isEmpty else {
            throw StoreError.schemaTooNew("unknown migrations: \(unknown.sorted().joined(separator: ", "))")
        }
        try migrator.migrate(pool)
        try pool.write { db in try Self.checkKey(masterKey, db) }
        var readerConfiguration = configuration
        readerConfiguration.readonly = true
        connectReader = try DatabaseQueue(path: path, configuration: readerConfiguration)
        // SQLite names the index after the database's real path (symbolic links resolved).
        walIndex = realpath(path, nil).map { resolved in
            defer { free(resolved) }
            return WALIndexHeader(databasePath: String(cString: resolved))
        } ?? nil
    }

    /// A store dropped without ``close()`` stops its commit watch too (the watch holds the
    /// feed and the header or the connect-path reader, not the store).
    deinit {
        watcher.withLock { $0?.stop() }
        feed.finish()
    }

    /// How much of the database file readers map into memory (SQLite's `mmap_size`).
    static let mappedBytes = 1 << 30

    /// The system clock in Unix seconds.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970.rounded(.down)) }

    /// The schema migrations applied to the database, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Closes the database connections and ends every change-log follower; later calls throw.
    public func close() async {
        watcher.withLock { $0?.stop() }
        feed.finish()
        try? connectReader.close()
        changeHead.withLock { $0 = nil }
        try? pool.close()
    }

    /// Runs `body` in one read transaction on the calling thread, for the connect path.
    ///
    /// Why not GRDB's async `read`: it hands the work to a reader queue's thread and resumes
    /// the caller on another, two thread wake-ups for a few index lookups in pages the OS
    /// caches. On a 2-core VM those wake-ups, not SQLite, were most of a connect's CPU time
    /// (`perf`, docs/benchmarks.md). WAL readers never wait for the writer, so this blocks the
    /// caller's thread only for the lookups themselves.
    ///
    /// One read transaction (one snapshot for every statement of `body`), begun and ended
    /// through cached statements: GRDB's `read` compiles `BEGIN` and `COMMIT` anew on each call.
    /// On a connection of its own rather than a pool reader: the pool asks SQLite for the
    /// schema version before every read, a second transaction (and file-lock round) per read
    /// that these reads, which keep no schema cache, do not need.
    func readOnCallingThread<T>(_ body: (Database) throws -> T) throws -> T {
        try connectReader.inDatabase { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED").execute()
            do {
                let value = try body(db)
                try db.cachedStatement(sql: "COMMIT").execute()
                return value
            } catch {
                // Never hand the connection back to the pool inside a transaction.
                try? db.cachedStatement(sql: "ROLLBACK").execute()
                throw error
            }
        }
    }

    /// Runs `body` in one write transaction that also appends the events it returned to the
    /// change log, attributed to ``ChangeActor/current``; then wakes this instance's followers.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> (T, [StoreEvent])) async throws -> T {
        let actor = ChangeActor.current
        let (value, changed) = try await pool.write { db in
            let (value, events) = try body(db)
            try Self.appendChanges(events, actor: actor, db)
            return (value, !events.isEmpty)
        }
        if changed { feed.wake() }
        return value
    }

    /// Records the key's check value if the store has none yet; refuses a key whose value differs.
    static func checkKey(_ key: MasterKey, _ db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO store_key (id, check_value) VALUES (1, ?)", arguments: [Data(key.checkValue)])
        let stored = try Data.fetchOne(db, sql: "SELECT check_value FROM store_key WHERE id = 1")
        guard let stored, ConstantTime.equal(Array(stored), key.checkValue) else { throw StoreError.wrongMasterKey(key.file) }
    }

    func deviceExists(_ db: Database, _ id: DeviceID) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM devices WHERE id = ?", arguments: [id.rawValue]) ?? false
    }

    func requireDevice(_ db: Database, _ id: DeviceID) throws {
        guard try deviceExists(db, id) else { throw StoreError.unknownDevice(id.rawValue) }
    }
}
