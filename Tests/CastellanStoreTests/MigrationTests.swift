import ServerTesting
import SupervisionTesting
import CastellanAuth
@testable import CastellanStore
import Foundation
import GRDB
import PostgresNIO
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test(arguments: Backend.allCases)
    func anEmptyDatabase_isMigratedToTheNewestSchema(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        #expect(try await fixture.appliedMigrations() == fixture.knownVersions)
        #expect(SQLiteSchema.versions == PostgresSchema.versions, "both backends number their schema alike")
        try await fixture.addDevice("a")
        #expect(try await fixture.store.devices().count == 1)
    }

    @Test func anSQLiteDatabase_isWALMode_andItsFilesAre0600() async throws {
        let fixture = try await StoreFixture(.sqlite)
        let journal = try await fixture.sqlite.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        try await fixture.addDevice("a")
        #expect(try mode(of: fixture.databasePath) == 0o600, "the database holds SCRAM keys")
        #expect(try mode(of: fixture.databasePath + "-wal") == 0o600)
    }

    @Test(arguments: Backend.allCases)
    func reopeningAMigratedDatabase_keepsItsData(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        try await fixture.addDevice("sensor-1")
        let reopened = try await fixture.reopen()
        #expect(try await reopened.devices().map(\.id.rawValue) == ["sensor-1"])
        await reopened.close()
    }

    @Test(arguments: Backend.allCases)
    func aDatabaseWithANewerSchema_isRefusedAndLeftUntouched(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        try await fixture.recordUnknownMigration("v999")
        let error = await #expect(throws: StoreError.self) { _ = try await fixture.reopen() }
        #expect(error?.description.contains("newer than this build") == true)
        #expect(error?.description.contains("v999") == true)
        #expect(try await fixture.recordedMigrations() == fixture.knownVersions + ["v999"])
    }

    /// The previous schema → the newest (v4: per-source lockout counts): rows written under the
    /// previous schema survive and the new reads work on them.
    @Test(arguments: Backend.allCases)
    func aDatabaseAtThePreviousSchemaVersion_isMigrated_keepingItsData(_ backend: Backend) async throws {
        let previous = try #require(SQLiteSchema.versions.dropLast().last)
        let fingerprint = CertificateFingerprint(derEncoded: [1]).description
        let rows = [
            "INSERT INTO devices (id, enabled, policy, created) VALUES ('old', true, 'cert', 1)",
            """
            INSERT INTO certificates (serial, device_id, fingerprint, not_before, not_after, revoked_at, revocation_reason)
            VALUES ('0f', 'old', '\(fingerprint)', 0, 9, 3, 'superseded')
            """,
            "INSERT INTO lockout_counters (device_id, failures, last_failure) VALUES ('old', 7, 5)",
        ]
        let key = try MasterKey.generate()
        let temp = TemporaryDirectory()
        let store: any CredentialStore
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: temp.file("old.db"))
            try SQLiteSchema.migrator.migrate(queue, upTo: previous)
            try await queue.write { db in for row in rows { try db.execute(sql: row) } }
            #expect(try await queue.read { db in try SQLiteSchema.migrator.appliedIdentifiers(db) } == Set(SQLiteSchema.versions.dropLast()))
            try queue.close()
            store = try SQLiteStore(path: temp.file("old.db"), masterKey: key)
        case .postgres:
            let url = try PostgresURL(parsing: try await PostgresServer.shared.makeDatabase().socketURL)
            let connection = try await PostgresConnection.connect(
                configuration: PostgresStore.connectionConfiguration(url), id: 1, logger: PostgresServer.logger)
            try await PostgresMigrator.migrate(connection, upTo: previous, logger: PostgresServer.logger)
            for row in rows { _ = try await connection.query(PostgresQuery(unsafeSQL: row), logger: PostgresServer.logger).collect() }
            #expect(try await PostgresMigrator.applied(connection, logger: PostgresServer.logger) == Array(PostgresSchema.versions.dropLast()))
            try await connection.close()
            store = try await PostgresStore.open(url, masterKey: key)
        }
        #expect(try await StoreFixture.appliedMigrations(of: store) == SQLiteSchema.versions)
        #expect(try await store.device(DeviceID("old"))?.policy == .cert)
        #expect(try await store.revokedCertificates().map(\.serial) == ["0f"])
        let old = try DeviceID("old")
        #expect(try await store.record(for: old) == LockoutRecord(consecutiveFailures: 7, lastFailure: 5), "the count becomes the total")
        #expect(try await store.recordFailure(for: old, from: "192.0.2.1", at: 9) == LockoutRecord(consecutiveFailures: 1, lastFailure: 9))
        #expect(try await store.record(for: old) == LockoutRecord(consecutiveFailures: 8, lastFailure: 9))
        await store.close()
    }

    @Test func postgresInstancesStartingTogether_migrateOnce() async throws {
        let database = try await PostgresServer.shared.makeDatabase()
        let key = try MasterKey.generate()
        let url = try PostgresURL(parsing: database.socketURL)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore.open(url, masterKey: key) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        for store in stores {
            #expect(try await store.appliedMigrations() == PostgresSchema.versions)
            await store.close()
        }
    }
}
