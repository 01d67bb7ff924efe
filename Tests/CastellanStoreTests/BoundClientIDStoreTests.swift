import CastellanAuth
@testable import CastellanStore
import Foundation
import Testing

/// A device's bound client id (`device client-id`, dynamic-security's `clientid`) on both backends:
/// stored, read back by every read the service and the CLI use, logged as a change, and never
/// shared with another device.
@Suite("Bound client ids")
struct BoundClientIDStoreTests {
    @Test(arguments: Backend.allCases)
    func aBoundClientID_roundTrips_throughEveryRead_andEachChangeIsLogged(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try DeviceID("sensor-1")
        let bound = try BoundClientID("legacy_client(1)")
        let record = DeviceRecord(id: id, policy: .password, created: 42, clientID: bound)
        try await fixture.store.addDevice(record)
        #expect(try await fixture.store.device(id) == record)
        #expect(try await fixture.store.devices() == [record])
        #expect(try await fixture.store.connectProfile(device: id)?.device.clientID == bound)

        let other = try BoundClientID("ESP32-a1b2c3")
        try await fixture.store.setClientID(other, device: id)
        try await fixture.store.setClientID(other, device: id)
        #expect(try await fixture.store.connectProfile(device: id)?.device.clientID == other)
        try await fixture.store.setClientID(nil, device: id)
        #expect(try await fixture.store.device(id)?.clientID == nil)
        #expect(try await fixture.store.connectProfile(device: id)?.device.clientID == nil)
        // Setting the same value again changed nothing, so it logged nothing.
        #expect(try await fixture.store.recentChanges(limit: 10).map(\.event) == [.deviceAdded(id), .clientIDChanged(id), .clientIDChanged(id)])
        #expect(StoreEvent.clientIDChanged(id).kind == "device.clientid")
    }

    @Test(arguments: Backend.allCases)
    func aClientIDOfAnotherDevice_isRefused_andChangesNothing(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let a = try await fixture.addDevice("a")
        let b = try await fixture.addDevice("b")
        let shared = try BoundClientID("shared-1")
        try await fixture.store.setClientID(shared, device: a)
        let before = try await fixture.store.latestChangeID()

        // Another device's bound client id, and another device's id.
        await #expect(throws: StoreError.clientIDTaken("shared-1", owner: "a")) { try await fixture.store.setClientID(shared, device: b) }
        await #expect(throws: StoreError.clientIDTaken("a", owner: "a")) { try await fixture.store.setClientID(BoundClientID("a"), device: b) }
        // A new device named like a bound client id, or bound to a taken one.
        await #expect(throws: StoreError.clientIDTaken("shared-1", owner: "a")) { try await fixture.addDevice("shared-1") }
        await #expect(throws: StoreError.clientIDTaken("b", owner: "b")) {
            try await fixture.store.addDevice(DeviceRecord(id: DeviceID("c"), policy: .scram, created: 1, clientID: BoundClientID("b")))
        }
        await #expect(throws: StoreError.unknownDevice("nobody")) { try await fixture.store.setClientID(shared, device: DeviceID("nobody")) }

        #expect(try await fixture.store.device(b)?.clientID == nil)
        #expect(try await fixture.store.devices().map(\.id.rawValue) == ["a", "b"])
        #expect(try await fixture.store.latestChangeID() == before)
        // Its own id is the device's to bind.
        try await fixture.store.setClientID(BoundClientID("b"), device: b)
        #expect(try await fixture.store.device(b)?.clientID?.rawValue == "b")
    }

    /// No unique index spans an id and a bound client id: of a device added under a name and
    /// another device bound to that name at the same moment, exactly one must win.
    @Test(arguments: Backend.allCases)
    func addingADeviceAndBindingItsIDElsewhere_atOnce_oneOfThemIsRefused(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let a = try await fixture.addDevice("a")
        let other = try await fixture.reopen()
        for round in 0..<20 {
            let name = "x\(round)"
            async let added: Bool = { do { try await fixture.addDevice(name); return true } catch { return false } }()
            async let bound: Bool = {
                do { try await other.setClientID(try BoundClientID(name), device: a); return true } catch { return false }
            }()
            let (wasAdded, wasBound) = await (added, bound)
            #expect(wasAdded != wasBound, "round \(round): added \(wasAdded), bound \(wasBound)")
        }
        await other.close()
    }

    @Test(arguments: Backend.allCases)
    func anImport_bindsNewDevices_keepsAnExistingDevicesBinding_andRefusesATakenOne(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let kept = try await fixture.addDevice("kept")
        let fresh = try DeviceID("fresh")
        let batch = FleetImport(devices: [
            .init(id: kept, legacy: nil, clientID: try BoundClientID("kept-client")),
            .init(id: fresh, legacy: nil, clientID: try BoundClientID("fresh-client")),
        ], rules: [], created: 7)
        let result = try await fixture.store.importFleet(batch)
        #expect(result.added == [fresh] && result.kept == [kept])
        #expect(try await fixture.store.device(fresh)?.clientID?.rawValue == "fresh-client")
        #expect(try await fixture.store.device(kept)?.clientID == nil, "a device already present is kept as it is")

        let taken = FleetImport(devices: [
            .init(id: try DeviceID("newer"), legacy: nil),
            .init(id: try DeviceID("thief"), legacy: nil, clientID: try BoundClientID("fresh")),
        ], rules: [], created: 8)
        await #expect(throws: StoreError.clientIDTaken("fresh", owner: "fresh")) { try await fixture.store.importFleet(taken) }
        #expect(try await fixture.store.device(DeviceID("newer")) == nil, "all or nothing")
    }
}
