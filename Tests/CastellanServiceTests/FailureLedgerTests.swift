import CastellanAuth
@testable import CastellanService
import Testing

/// Lockout notes count from the moment they are made, land in the store in order, and stop
/// counting twice once written.
@Suite struct FailureLedgerTests {
    let device = try! DeviceID("pump1")

    @Test func aFailure_countsAtOnce_andOnceItIsWritten_onlyTheStoreHoldsIt() async throws {
        let ledger = FailureLedger()
        let store = InMemoryLockoutCounter()
        ledger.failed(device, from: "10.0.0.1", at: 100)
        ledger.failed(device, from: "10.0.0.1", at: 101)
        ledger.failed(device, from: "10.0.0.2", at: 102)
        #expect(ledger.sourceRecord(LockoutRecord(), device: device, source: "10.0.0.1") == LockoutRecord(consecutiveFailures: 2, lastFailure: 101))
        #expect(ledger.deviceFailures(0, device: device) == 3)
        #expect(ledger.unwritten == 3)

        let writer = Task { try await ledger.run(store) }
        await ledger.flush()
        #expect(ledger.unwritten == 0)
        let stored = await store.record(for: device, from: "10.0.0.1")
        #expect(stored == LockoutRecord(consecutiveFailures: 2, lastFailure: 101))
        #expect(ledger.sourceRecord(stored, device: device, source: "10.0.0.1") == stored, "written: not added twice")
        #expect(ledger.deviceFailures(await store.record(for: device).consecutiveFailures, device: device) == 3)
        writer.cancel()
        try await writer.value
    }

    @Test func aSuccess_clearsItsSourceAtOnce_evenBeforeTheStoreForgets() async throws {
        let ledger = FailureLedger()
        let store = InMemoryLockoutCounter()
        _ = await store.recordFailure(for: device, from: "10.0.0.1", at: 50)
        let stale = await store.record(for: device, from: "10.0.0.1")
        ledger.failed(device, from: "10.0.0.1", at: 60)
        ledger.succeeded(device, from: "10.0.0.1")
        #expect(ledger.sourceRecord(stale, device: device, source: "10.0.0.1") == LockoutRecord(), "the success wins over the unwritten store")
        ledger.failed(device, from: "10.0.0.1", at: 70)
        #expect(ledger.sourceRecord(stale, device: device, source: "10.0.0.1") == LockoutRecord(consecutiveFailures: 1, lastFailure: 70))
        #expect(ledger.deviceFailures(1, device: device) == 3, "a success does not lower the device's total")

        let writer = Task { try await ledger.run(store) }
        await ledger.flush()
        let stored = await store.record(for: device, from: "10.0.0.1")
        #expect(stored == LockoutRecord(consecutiveFailures: 1, lastFailure: 70), "written in order: failure, success, failure")
        #expect(ledger.sourceRecord(stored, device: device, source: "10.0.0.1") == stored)
        #expect(await store.record(for: device).consecutiveFailures == 3)
        writer.cancel()
        try await writer.value
    }

    @Test func aStoreThatFails_keepsTheNote_forTheNextWriter() async throws {
        let ledger = FailureLedger()
        let failing = FailingCounter()
        ledger.failed(device, from: "10.0.0.1", at: 100)
        await #expect(throws: FailingCounter.Down.self) { try await ledger.run(failing) }
        #expect(ledger.unwritten == 1)
        #expect(ledger.deviceFailures(0, device: device) == 1, "still counted while unwritten")

        let store = InMemoryLockoutCounter()
        let writer = Task { try await ledger.run(store) }
        await ledger.flush()
        #expect(await store.record(for: device, from: "10.0.0.1") == LockoutRecord(consecutiveFailures: 1, lastFailure: 100))
        writer.cancel()
        try await writer.value
    }
}

/// A store that is down.
private struct FailingCounter: LockoutCounter {
    struct Down: Error {}
    func recordFailure(for device: DeviceID, from source: String, at unixTime: Int64) async throws -> LockoutRecord { throw Down() }
    func recordSuccess(for device: DeviceID, from source: String) async throws { throw Down() }
    func record(for device: DeviceID) async throws -> LockoutRecord { throw Down() }
    func record(for device: DeviceID, from source: String) async throws -> LockoutRecord { throw Down() }
    func unlock(_ device: DeviceID) async throws { throw Down() }
}
