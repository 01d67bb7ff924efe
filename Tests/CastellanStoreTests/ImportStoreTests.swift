import CastellanAuth
@testable import CastellanStore
import Testing

/// `castellan import`'s store side on both backends: one transaction, idempotent, and the
/// imported hash swapped for SCRAM keys exactly once.
@Suite struct ImportStoreTests {
    /// mosquitto_passwd 2.0.11's hash of `secret1`.
    static let hash = "$7$101$/F15SIdQWWDI9Oc5$g4SuwnEDBc8fu5mNEQGgYFfCR87aDdMBQl5e4wwP35CT83vq2LiFwWT7GYgwMJtUWzZ80nfoI3/yUIoabiUj9g=="

    static func batch() throws -> FleetImport {
        let legacy = try LegacyPasswordHash(parsing: hash)
        let sensors = try DeviceGroup("sensors")
        return FleetImport(
            devices: [
                FleetImport.Device(id: try DeviceID("dev1"), groups: [sensors], legacy: legacy),
                FleetImport.Device(id: try DeviceID("dev2"), enabled: false, legacy: legacy),
            ],
            rules: [
                FleetImport.Rule(scope: .device(try DeviceID("dev1")), rule: try ACLRule(effect: "allow", access: "publish", pattern: "a/#")),
                FleetImport.Rule(scope: .group(sensors), rule: try ACLRule(effect: "deny", access: "all", pattern: "a/secret")),
            ],
            created: 1_700_000_000)
    }

    @Test(arguments: Backend.allCases)
    func anImport_createsDevicesWithTheirHashesGroupsAndRules(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let result = try await fixture.store.importFleet(try Self.batch())
        #expect(result.added.map(\.rawValue) == ["dev1", "dev2"])
        #expect(result.rulesAdded == 2)
        let profile = try #require(try await fixture.store.connectProfile(device: try DeviceID("dev1")))
        #expect(profile.legacy?.encoded == Self.hash)
        #expect(profile.scram == nil)
        #expect(profile.device.policy == .password)
        #expect(profile.device.groups.map(\.rawValue) == ["sensors"])
        #expect(profile.rules.map(\.description) == ["allow publish a/#", "deny all a/secret"])
        #expect(try await fixture.store.device(try DeviceID("dev2"))?.enabled == false)
        #expect(try await fixture.store.legacyCredentials().keys.sorted() == [try DeviceID("dev1"), try DeviceID("dev2")])
        #expect(try await fixture.store.recentChanges(limit: 10).map(\.event.kind)
                == ["device.added", "device.added", "rules.device", "rules.group"])
        await fixture.store.close()
    }

    @Test(arguments: Backend.allCases)
    func theSameImportTwice_changesNothingTheSecondTime(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.importFleet(try Self.batch())
        let before = try await fixture.store.latestChangeID()
        let again = try await fixture.store.importFleet(try Self.batch())
        #expect(again.added.isEmpty && again.kept.count == 2 && again.rulesAdded == 0 && again.rulesKept == 2)
        #expect(try await fixture.store.latestChangeID() == before)
        #expect(try await fixture.store.rules(scope: nil).count == 2)
        await fixture.store.close()
    }

    @Test(arguments: Backend.allCases)
    func anImportWithARuleForAnUnknownDevice_importsNothing(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        var batch = try Self.batch()
        batch.rules.append(FleetImport.Rule(scope: .device(try DeviceID("ghost")), rule: try ACLRule(effect: "allow", access: "all", pattern: "x")))
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await fixture.store.importFleet(batch) }
        #expect(try await fixture.store.devices().isEmpty)
        #expect(try await fixture.store.rules(scope: nil).isEmpty)
        #expect(try await fixture.store.latestChangeID() == 0)
        await fixture.store.close()
    }

    @Test(arguments: Backend.allCases)
    func anUpgrade_swapsTheHashForSCRAMKeysOnce_andAReimportKeepsThem(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.importFleet(try Self.batch())
        let device = try DeviceID("dev1")
        let legacy = try LegacyPasswordHash(parsing: Self.hash)
        let credential = try SCRAMCredential.generate(password: "secret1", entropy: SystemEntropy())
        let upgraded = try await ChangeActor.$current.withValue("system:credential-upgrade") {
            try await fixture.store.upgradeLegacyCredential(legacy, to: credential, device: device)
        }
        #expect(upgraded)
        let second = try SCRAMCredential.generate(password: "secret1", entropy: SystemEntropy())
        #expect(try await !fixture.store.upgradeLegacyCredential(legacy, to: second, device: device), "only the first upgrade wins")
        let profile = try #require(try await fixture.store.connectProfile(device: device))
        #expect(profile.legacy == nil)
        #expect(profile.scram == credential)
        let last = try #require(try await fixture.store.recentChanges(limit: 1).last)
        #expect(last.event == .credentialUpgraded(device) && last.event.kind == "credential.upgraded")
        #expect(last.actor == "system:credential-upgrade")
        #expect(try await fixture.store.legacyCredentials().keys.sorted() == [try DeviceID("dev2")])

        _ = try await fixture.store.importFleet(try Self.batch())
        #expect(try await fixture.store.legacyCredential(device: device) == nil, "a re-import never brings the old hash back")
        #expect(try await fixture.store.scramCredential(device: device) == credential)
        await fixture.store.close()
    }

    @Test(arguments: Backend.allCases)
    func changingAPolicy_isLoggedOnlyWhenItChanges(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let device = try await fixture.addDevice("dev1", policy: .password)
        let before = try await fixture.store.latestChangeID()
        try await fixture.store.setPolicy(.password, device: device)
        #expect(try await fixture.store.latestChangeID() == before)
        try await fixture.store.setPolicy(.scram, device: device)
        #expect(try await fixture.store.device(device)?.policy == .scram)
        #expect(try await fixture.store.recentChanges(limit: 1).last?.event == .policyChanged(device))
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await fixture.store.setPolicy(.scram, device: try DeviceID("ghost")) }
        await fixture.store.close()
    }

    @Test(arguments: Backend.allCases)
    func settingAPassword_dropsTheImportedHash(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.importFleet(try Self.batch())
        let device = try DeviceID("dev2")
        try await fixture.store.setSCRAMCredential(try SCRAMCredential.generate(password: "new one", entropy: SystemEntropy()), device: device)
        #expect(try await fixture.store.legacyCredential(device: device) == nil)
        #expect(try await !fixture.store.upgradeLegacyCredential(try LegacyPasswordHash(parsing: Self.hash),
                                                                  to: try SCRAMCredential.generate(password: "secret1", entropy: SystemEntropy()),
                                                                  device: device))
        await fixture.store.close()
    }
}
