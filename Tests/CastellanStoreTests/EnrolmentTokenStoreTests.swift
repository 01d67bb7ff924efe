import CastellanAuth
@testable import CastellanStore
import Testing

/// The store's half of EST enrolment tokens, alike on both backends: one token per device, a use
/// that only one of several racing requests wins, and the change log.
@Suite struct EnrolmentTokenStoreTests {
    private func token(_ device: DeviceID, digest: UInt8, expires: Int64 = 2_000) -> EnrolmentTokenRecord {
        EnrolmentTokenRecord(device: device, salt: [UInt8](repeating: 7, count: 16), digest: [UInt8](repeating: digest, count: 32),
                             created: 1_000, expires: expires)
    }

    @Test(arguments: Backend.allCases)
    func aToken_roundTrips_aNewOneReplacesIt_andUsingItDeletesIt(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("cam1", policy: .cert)
        try await fixture.store.setEnrolmentToken(token(id, digest: 1))
        #expect(try await fixture.store.enrolmentToken(device: id) == token(id, digest: 1))
        try await fixture.store.setEnrolmentToken(token(id, digest: 2))
        #expect(try await fixture.store.enrolmentToken(device: id) == token(id, digest: 2))
        // The replaced token's digest, and the right one once expired, use nothing.
        #expect(try await !fixture.store.consumeEnrolmentToken(device: id, digest: [UInt8](repeating: 1, count: 32), at: 1_500))
        #expect(try await !fixture.store.consumeEnrolmentToken(device: id, digest: [UInt8](repeating: 2, count: 32), at: 2_000))
        #expect(try await fixture.store.consumeEnrolmentToken(device: id, digest: [UInt8](repeating: 2, count: 32), at: 1_500))
        #expect(try await fixture.store.enrolmentToken(device: id) == nil)
        #expect(try await !fixture.store.consumeEnrolmentToken(device: id, digest: [UInt8](repeating: 2, count: 32), at: 1_500))
        let kinds = try await fixture.store.recentChanges(limit: 10).map(\.event.kind)
        #expect(kinds.suffix(3) == ["enrolment.token", "enrolment.token", "enrolment.used"])
    }

    @Test(arguments: Backend.allCases)
    func racingUses_ofOneToken_haveOneWinner(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("cam1", policy: .cert)
        try await fixture.store.setEnrolmentToken(token(id, digest: 3))
        let store = fixture.store
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { try await store.consumeEnrolmentToken(device: id, digest: [UInt8](repeating: 3, count: 32), at: 1_500) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test(arguments: Backend.allCases)
    func aTokenForAnUnknownDevice_isRefused_andRemovingTheDeviceRemovesItsToken(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        await #expect(throws: StoreError.unknownDevice("ghost")) { try await fixture.store.setEnrolmentToken(token(DeviceID("ghost"), digest: 1)) }
        let id = try await fixture.addDevice("cam1", policy: .cert)
        try await fixture.store.setEnrolmentToken(token(id, digest: 1))
        try await fixture.store.removeDevice(id)
        #expect(try await fixture.store.enrolmentToken(device: id) == nil)
    }
}
