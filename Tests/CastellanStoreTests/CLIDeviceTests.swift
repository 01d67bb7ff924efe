import CastellanAuth
import CastellanStore
import Foundation
import Testing

@Suite("CLI: device")
struct CLIDeviceTests {
    @Test func deviceAdd_listAndShow_reportWhatWasStored() async throws {
        let fixture = try await CLIFixture()
        #expect(await fixture.run(["device", "add", "pump-1", "--policy", "scram+totp", "--group", "pumps", "--group", "east"]).status == 0)
        let list = await fixture.run(["device", "list"])
        #expect(list.output == "ID\tENABLED\tPOLICY\tGROUPS\tCREDENTIAL\npump-1\tyes\tscram+totp\teast,pumps\t-\n")
        let json = await fixture.run(["device", "list", "--json"])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [[String: Any]]
        #expect(decoded.first?["id"] as? String == "pump-1")
        #expect(decoded.first?["groups"] as? [String] == ["east", "pumps"])
        let show = await fixture.run(["device", "show", "pump-1"])
        #expect(show.status == 0)
        #expect(show.output.contains("policy: scram+totp"))
        #expect(show.output.contains("scram: none"))
        let showJSON = await fixture.run(["device", "show", "pump-1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(showJSON.output.utf8)) as! [String: Any]
        #expect((object["device"] as? [String: Any])?["policy"] as? String == "scram+totp")
    }

    @Test func disableEnableUnlockAndRemove_changeTheStore() async throws {
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "d", "--policy", "password"])
        #expect(await fixture.run(["device", "disable", "d"]).status == 0)
        #expect(try await fixture.openStore().device(DeviceID("d"))?.enabled == false)
        #expect(await fixture.run(["device", "enable", "d"]).status == 0)
        #expect(try await fixture.openStore().device(DeviceID("d"))?.enabled == true)
        _ = try await fixture.openStore().recordFailure(for: DeviceID("d"), from: "192.0.2.1", at: 1)
        _ = try await fixture.openStore().recordFailure(for: DeviceID("d"), from: "192.0.2.2", at: 1)
        #expect(await fixture.run(["device", "unlock", "d"]).status == 0)
        #expect(try await fixture.openStore().record(for: DeviceID("d")).consecutiveFailures == 0)
        #expect(try await fixture.openStore().record(for: DeviceID("d"), from: "192.0.2.1").consecutiveFailures == 0)
        #expect(try await fixture.openStore().record(for: DeviceID("d"), from: "192.0.2.2").consecutiveFailures == 0)
        #expect(await fixture.run(["device", "remove", "d"]).status == 0)
        #expect(try await fixture.openStore().device(DeviceID("d")) == nil)
    }

    /// Each case: arguments, expected status, a fragment of the one-line error.
    static let refusals: [(arguments: [String], status: Int32, fragment: String)] = [
        (["device", "add", "existing", "--policy", "cert"], 1, "already exists"),
        (["device", "add", "new", "--policy", "magic"], 2, "unknown policy"),
        (["device", "add", "new"], 2, "--policy"),
        (["device", "add", "a+b", "--policy", "cert"], 1, "invalid device id"),
        (["device", "add", "h-dn,O=Evil", "--policy", "cert"], 1, DeviceID.rule),
        (["device", "add", "_underscore-first", "--policy", "cert"], 1, DeviceID.rule),
        (["device", "add", "new", "--policy", "cert", "--group", "g/h"], 1, "group name"),
        (["device", "show", "ghost"], 1, "unknown device 'ghost'"),
        (["device", "disable", "ghost"], 1, "unknown device 'ghost'"),
        (["device", "enable", "ghost"], 1, "unknown device 'ghost'"),
        (["device", "remove", "ghost"], 1, "unknown device 'ghost'"),
        (["device", "unlock", "ghost"], 1, "unknown device 'ghost'"),
        (["device", "frobnicate", "x"], 2, "Usage"),
    ]

    @Test(arguments: 0..<refusals.count)
    func badDeviceCommands_failWithOneLine_andWriteNothing(_ index: Int) async throws {
        let (arguments, status, fragment) = Self.refusals[index]
        let fixture = try await CLIFixture()
        _ = await fixture.run(["device", "add", "existing", "--policy", "scram"])
        let before = try await fixture.snapshot()
        let result = await fixture.run(arguments)
        #expect(result.status == status, "\(arguments): \(result.error)")
        #expect(result.error.contains(fragment), "\(result.error)")
        if status == 1 { #expect(result.error.split(separator: "\n").count == 1) }
        #expect(try await fixture.snapshot() == before)
    }
}
