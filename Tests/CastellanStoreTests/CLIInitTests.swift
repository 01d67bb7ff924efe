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
        #expect(listed.output == "ID\tENABLED\tPOLICY\tGROUPS\n")
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
        let store = try await PostgresStore.open(PostgresURL(parsing: database.socketURL), masterKey: MasterKey.generate())
        #expect(try await store.devices().map(\.id.rawValue) == ["pump1"])
        await store.close()
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
