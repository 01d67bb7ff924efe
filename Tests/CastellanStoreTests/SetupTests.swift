import SupervisionTesting
import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

@Suite("castellan init")
struct SetupTests {
    @Test func init_createsAWorkingSetup_withSecretFilesMode0600() async throws {
        let temp = TemporaryDirectory()
        let dir = temp.file("new/setup")
        let result = try await CastellanSetup.create(in: dir)
        #expect(result.configuration == "\(dir)/castellan.yaml")
        #expect(try mode(of: result.masterKey) == 0o600)
        #expect(try mode(of: result.adminToken) == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: result.masterKey)).count == 32)
        #expect(try String(contentsOfFile: result.adminToken, encoding: .utf8).count == 64)
        #expect(try mode(of: "\(dir)/castellan.db") == 0o600)

        let config = try CastellanConfiguration.load(result.configuration)
        #expect(config.store == .sqlite(path: "\(dir)/castellan.db"))
        #expect(config.masterKeyFile == result.masterKey)
        let yaml = try String(contentsOfFile: result.configuration, encoding: .utf8)
        #expect(!yaml.contains(dir), "every path in the written configuration is relative")

        let store = try SQLiteStore(path: "\(dir)/castellan.db", masterKey: MasterKey.load(from: config.masterKeyFile))
        #expect(try await store.appliedMigrations() == SQLiteSchema.versions)
    }

    @Test func init_refusesAnExistingSetup_andChangesNothing() async throws {
        let temp = TemporaryDirectory()
        let first = try await CastellanSetup.create(in: temp.path)
        let key = try Data(contentsOf: URL(fileURLWithPath: first.masterKey))
        let token = try Data(contentsOf: URL(fileURLWithPath: first.adminToken))
        let error = await #expect(throws: SetupError.self) { try await CastellanSetup.create(in: temp.path) }
        #expect(error?.existingSetup == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.masterKey)) == key)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.adminToken)) == token)
    }

    @Test func init_refusesWhenOnlyTheDatabaseExists_writingNothing() async throws {
        let temp = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: temp.file("castellan.db"), contents: Data())
        await #expect(throws: SetupError.self) { try await CastellanSetup.create(in: temp.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["castellan.db"])
    }

    @Test func init_withAnInvalidPostgresURL_isRefusedAndWritesNothing() async throws {
        let temp = TemporaryDirectory()
        let error = await #expect(throws: SetupError.self) {
            try await CastellanSetup.create(in: temp.file("pg"), store: "postgres://localhost/castellan?sslmod=require")
        }
        #expect(error?.description.contains("unknown parameter 'sslmod'") == true)
        #expect(!FileManager.default.fileExists(atPath: temp.file("pg")))
    }

    @Test func init_withAnAbsoluteSQLiteStore_writesItAsGiven() async throws {
        let temp = TemporaryDirectory()
        let result = try await CastellanSetup.create(in: temp.file("cfg"), store: "sqlite:\(temp.file("elsewhere.db"))")
        #expect(try CastellanConfiguration.load(result.configuration).store == .sqlite(path: temp.file("elsewhere.db")))
        #expect(FileManager.default.fileExists(atPath: temp.file("elsewhere.db")))
    }
}
