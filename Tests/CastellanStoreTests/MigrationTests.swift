import SupervisionTesting
import CastellanAuth
@testable import CastellanStore
import GRDB
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test func anEmptyDatabase_isMigratedToTheNewestSchema() async throws {
        let fixture = try StoreFixture()
        #expect(try await fixture.store.appliedMigrations() == SQLiteSchema.versions)
        let journal = try await fixture.store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        try await fixture.addDevice("a")
        #expect(try mode(of: fixture.databasePath) == 0o600, "the database holds SCRAM keys")
        #expect(try mode(of: fixture.databasePath + "-wal") == 0o600)
    }

    @Test func reopeningAMigratedDatabase_keepsItsData() async throws {
        let fixture = try StoreFixture()
        try await fixture.addDevice("sensor-1")
        let reopened = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        #expect(try await reopened.devices().map(\.id.rawValue) == ["sensor-1"])
    }

    @Test func aDatabaseWithANewerSchema_isRefusedAndLeftUntouched() async throws {
        let fixture = try StoreFixture()
        try await fixture.store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999')")
        }
        let error = #expect(throws: StoreError.self) {
            _ = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        }
        #expect(error?.description.contains("newer than this build") == true)
        #expect(error?.description.contains("v999") == true)
        let applied = try await fixture.store.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == ["v1", "v999"])
    }
}
