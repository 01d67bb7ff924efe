@testable import CastellanStore
import ServerTesting
import SupervisionTesting
import CastellanAuth
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

/// The two backends every conformance test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// A real store of either backend with a fresh master key: an SQLite file in a temporary
/// folder, or a fresh database on the test run's PostgreSQL server.
///
/// Besides the store, it opens more instances on the same database (``reopen(key:)``) and
/// reaches under the store (``sealedSecrets()`` …) where a test must tamper with rows as an
/// attacker with database access would.
struct StoreFixture {
    let backend: Backend
    let key: MasterKey
    let store: any CredentialStore
    let directory = TemporaryDirectory()
    /// The PostgreSQL database, for the postgres backend.
    let database: PostgresServer.Database?
    let clock: @Sendable () -> Int64

    init(_ backend: Backend, clock: @escaping @Sendable () -> Int64 = { 1_700_000_000 }) async throws {
        self.backend = backend
        self.clock = clock
        key = try MasterKey.generate()
        switch backend {
        case .sqlite:
            database = nil
            store = try SQLiteStore(path: directory.file("castellan.db"), masterKey: key, clock: clock)
        case .postgres:
            let database = try await PostgresServer.shared.makeDatabase()
            self.database = database
            store = try await PostgresStore.open(PostgresURL(parsing: database.socketURL), masterKey: key, clock: clock)
        }
    }

    var databasePath: String { directory.file("castellan.db") }

    /// Another store instance on the same database (another connection pool, another listener).
    func reopen(key: MasterKey? = nil) async throws -> any CredentialStore {
        switch backend {
        case .sqlite: return try SQLiteStore(path: databasePath, masterKey: key ?? self.key, clock: clock)
        case .postgres:
            return try await PostgresStore.open(PostgresURL(parsing: database!.socketURL), masterKey: key ?? self.key, clock: clock)
        }
    }

    /// Adds a device with `policy` (and optional groups).
    @discardableResult
    func addDevice(_ id: String, policy: AuthFactors = .scram, groups: [String] = []) async throws -> DeviceID {
        let device = try DeviceID(id)
        try await store.addDevice(DeviceRecord(
            id: device, policy: policy, groups: try groups.map { try DeviceGroup($0) }, created: 1_700_000_000))
        return device
    }

    // MARK: Under the store

    /// Every sealed TOTP secret, by device id.
    func sealedSecrets() async throws -> [[UInt8]] {
        switch backend {
        case .sqlite:
            return try await sqlite.pool.read { db in
                try Data.fetchAll(db, sql: "SELECT sealed_secret FROM totp_credentials ORDER BY device_id").map { [UInt8]($0) }
            }
        case .postgres:
            return try await postgres.read { connection in
                try await connection.query("SELECT sealed_secret FROM totp_credentials ORDER BY device_id", logger: postgres.logger)
                    .collect().map { [UInt8](try $0.decode(Data.self)) }
            }
        }
    }

    /// Overwrites a device's sealed TOTP secret.
    func setSealedSecret(_ sealed: [UInt8], device: String) async throws {
        switch backend {
        case .sqlite:
            try await sqlite.pool.write { db in
                try db.execute(sql: "UPDATE totp_credentials SET sealed_secret = ? WHERE device_id = ?", arguments: [Data(sealed), device])
            }
        case .postgres:
            try await postgres.read { connection in
                _ = try await connection.query(
                    "UPDATE totp_credentials SET sealed_secret = \(Data(sealed)) WHERE device_id = \(device)", logger: postgres.logger
                ).collect()
            }
        }
    }

    /// The column names of `scram_credentials`, in order.
    func scramColumns() async throws -> [String] {
        switch backend {
        case .sqlite:
            return try await sqlite.pool.read { db in try db.columns(in: "scram_credentials").map(\.name) }
        case .postgres:
            return try await postgres.read { connection in
                try await connection.query(
                    """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_name = 'scram_credentials' ORDER BY ordinal_position
                    """, logger: postgres.logger
                ).collect().map { try $0.decode(String.self) }
            }
        }
    }

    /// Records a migration this build does not know, as a newer Castellan would have.
    func recordUnknownMigration(_ identifier: String) async throws {
        switch backend {
        case .sqlite:
            try await sqlite.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [identifier])
            }
        case .postgres:
            try await postgres.read { connection in
                _ = try await connection.query(
                    "INSERT INTO castellan_migrations (identifier) VALUES (\(identifier))", logger: postgres.logger
                ).collect()
            }
        }
    }

    /// The recorded migration identifiers, sorted.
    func recordedMigrations() async throws -> [String] {
        switch backend {
        case .sqlite:
            return try await sqlite.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        case .postgres:
            return try await postgres.read { connection in try await PostgresMigrator.applied(connection, logger: postgres.logger) }
        }
    }

    /// The schema versions this build knows for the backend.
    var knownVersions: [String] {
        switch backend {
        case .sqlite: SQLiteSchema.versions
        case .postgres: PostgresSchema.versions
        }
    }

    /// The migrations applied, through the store's own API.
    func appliedMigrations() async throws -> [String] { try await Self.appliedMigrations(of: store) }

    /// The migrations applied to any store's database.
    static func appliedMigrations(of store: any CredentialStore) async throws -> [String] {
        switch store {
        case let sqlite as SQLiteStore: try await sqlite.appliedMigrations()
        case let postgres as PostgresStore: try await postgres.appliedMigrations()
        default: []
        }
    }

    var sqlite: SQLiteStore { store as! SQLiteStore }
    var postgres: PostgresStore { store as! PostgresStore }
}

/// A TOTP with a fresh secret.
func makeTOTP(_ algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30) throws -> TOTP {
    try TOTP(secret: TOTPSecret.generate(algorithm: algorithm), algorithm: algorithm, digits: digits, period: period)
}
