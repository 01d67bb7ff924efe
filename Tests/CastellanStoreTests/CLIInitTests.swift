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

    @Test func init_withAPostgresStore_isRefusedWithExitOne_andWritesNothing() async {
        let temp = TemporaryDirectory()
        let result = await runCLI(["init", "--dir", "pg", "--store", "postgres://db/castellan"], in: temp.path)
        #expect(result.status == 1)
        #expect(result.error.contains("PostgreSQL backend not built yet"))
        #expect(!FileManager.default.fileExists(atPath: temp.file("pg")))
    }

    @Test func aCommandWithoutConfiguration_isRefusedNamingTheFile() async {
        let temp = TemporaryDirectory()
        let result = await runCLI(["device", "list"], in: temp.path)
        #expect(result.status == 1)
        #expect(result.error == "castellan device list: \(temp.path)/castellan.yaml: no such file\n")
    }
}
