import ServerTesting
import CastellanStore
import SupervisionTesting
import Foundation
import Testing

@Suite("CLI: init")
struct CLIInitTests {
    @Test func init_thenEveryCommandFindsTheSetup_throughTheEnvironmentVariable() async throws {
        let temp = TemporaryDirectory()
        let created = await runCLI(["init", "--dir", "site"], in: temp.path)
        #expect(created.status == 0)
        #expect(created.output.contains("master.key (mode 0600)"))
        let listed = await runCLI(
            ["device", "list"], in: "/", variables: ["CASTELLAN_CONFIG": temp.file("site/castellan.yaml")])
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.output == "ID\tENABLED\tPOLICY\tGROUPS\tCREDENTIAL\n")
    }

    @Test func init_twice_isRefusedWithExitOne_andNothingChanges() async throws {
        let fixture = try await CLIFixture()
        let before = try Data(contentsOf: URL(fileURLWithPath: fixture.directory.file("setup/master.key")))
        let again = await runCLI(["init", "--dir", "setup"], in: fixture.directory.path)
        #expect(again.status == 1)
        #expect(again.error.hasPrefix("castellan init: "))
        #expect(again.error.contains("refusing to overwrite"))
        #expect(again.error.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: fixture.directory.file("setup/master.key"))) == before)
    }

    @Test func init_withAPostgresStore_migratesIt_andEveryCommandUsesIt() async throws {
        let temp = TemporaryDirectory()
        let database = try await PostgresServer.shared.makeDatabase()
        let result = await runCLI(["init", "--dir", "pg", "--store", database.socketURL], in: temp.path)
        #expect(result.status == 0, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("pg/castellan.db")))
        let config = temp.file("pg/castellan.yaml")
        #expect(await runCLI(["device", "add", "pump1", "--policy", "scram", "--config", config], in: temp.path).status == 0)
        let list = await runCLI(["device", "list", "--config", config], in: temp.path)
        #expect(list.status == 0)
        #expect(list.output.contains("pump1"))
        let store = try await PostgresStore.open(
            PostgresURL(parsing: database.socketURL), masterKey: MasterKey.load(from: temp.file("pg/master.key")))
        #expect(try await store.devices().map(\.id.rawValue) == ["pump1"])
        await store.close()
    }

    /// A second setup for a store that exists: refused without the store's master key (a new key
    /// would open none of its secrets), refused with another key, accepted with its own.
    @Test func init_forAnExistingStore_needsItsMasterKey() async throws {
        let temp = TemporaryDirectory()
        let database = try await PostgresServer.shared.makeDatabase()
        #expect(await runCLI(["init", "--dir", "a", "--store", database.socketURL], in: temp.path).status == 0)

        let bare = await runCLI(["init", "--dir", "b", "--store", database.socketURL], in: temp.path)
        #expect(bare.status == 1)
        #expect(bare.error.contains("already holds a Castellan store") && bare.error.contains("--master-key FILE"), "\(bare.error)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("b")))

        #expect(await runCLI(["init", "--dir", "other"], in: temp.path).status == 0)
        let wrong = await runCLI(["init", "--dir", "b", "--store", database.socketURL, "--master-key", "other/master.key"], in: temp.path)
        #expect(wrong.status == 1)
        #expect(wrong.error.contains("does not belong to this store"), "\(wrong.error)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("b")))

        let right = await runCLI(["init", "--dir", "b", "--store", database.socketURL, "--master-key", "a/master.key"], in: temp.path)
        #expect(right.status == 0, "\(right.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: temp.file("b/master.key"))) == Data(contentsOf: URL(fileURLWithPath: temp.file("a/master.key"))))

        // A setup whose key file was swapped for another's is refused by every command, naming the file.
        try FileManager.default.removeItem(atPath: temp.file("b/master.key"))
        try FileManager.default.copyItem(atPath: temp.file("other/master.key"), toPath: temp.file("b/master.key"))
        let list = await runCLI(["device", "list", "--config", temp.file("b/castellan.yaml")], in: temp.path)
        #expect(list.status == 1)
        #expect(list.error.contains("\(temp.file("b/master.key")) does not belong to this store"), "\(list.error)")
    }

    /// Only init creates a store: a typo in the store path is an error, and nothing is created.
    @Test func aStorePathThatDoesNotExist_isRefused_andNotCreated() async throws {
        let fixture = try await CLIFixture()
        var text = try String(contentsOfFile: fixture.config, encoding: .utf8)
        text = text.replacingOccurrences(of: "sqlite:castellan.db", with: "sqlite:castelan.db")
        try text.write(toFile: fixture.config, atomically: true, encoding: .utf8)
        let list = await fixture.run(["device", "list"])
        #expect(list.status == 1)
        #expect(list.error.contains("no Castellan store at \(fixture.setup)/castelan.db") && list.error.contains("castellan init"), "\(list.error)")
        #expect(!FileManager.default.fileExists(atPath: fixture.setup + "/castelan.db"))
    }

    @Test func init_withAnUnreachablePostgresStore_isRefusedWithExitOne_andWritesNothing() async {
        let temp = TemporaryDirectory()
        let result = await runCLI(["init", "--dir", "pg", "--store", "postgres://castellan@/castellan?host=\(temp.path)/nowhere"], in: temp.path)
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("castellan init: "))
        #expect(result.error.contains("database: "), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("pg")), "what init created is removed again")
    }

    @Test func aCommandWithoutConfiguration_isRefusedNamingTheFile() async {
        let temp = TemporaryDirectory()
        let result = await runCLI(["device", "list"], in: temp.path)
        #expect(result.status == 1)
        #expect(result.error == "castellan device list: \(temp.path)/castellan.yaml: no such file\n")
    }
}
