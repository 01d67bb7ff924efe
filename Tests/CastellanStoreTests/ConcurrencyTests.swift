import CastellanAuth
@testable import CastellanStore
import Testing

@Suite("Atomic TOTP steps and lockout counts")
struct ConcurrencyTests {
    static let racers = 64

    @Test func manyTasksAcceptingTheSameStep_yieldExactlyOneWinner() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        // Half the racers use a second store instance on the same file: separate connections.
        let other = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        let stores: [SQLiteStore] = [fixture.store, other]
        for step in Int64(100)...Int64(104) {
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for racer in 0..<Self.racers {
                    group.addTask { try await stores[racer % 2].accept(step: step, for: id) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1, "step \(step)")
        }
        #expect(try await fixture.store.totpEnrolment(device: id)?.lastAcceptedStep == 104)
    }

    @Test func anOlderStep_isRefusedAfterANewerOne_andNegativeStepsNever() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        #expect(try await fixture.store.accept(step: -1, for: id) == false)
        #expect(try await fixture.store.accept(step: 10, for: id))
        #expect(try await fixture.store.accept(step: 9, for: id) == false)
        #expect(try await fixture.store.accept(step: 10, for: id) == false)
        #expect(try await fixture.store.accept(step: 11, for: id))
    }

    @Test func aStepIsRemembered_acrossARestart_andForgottenOnReenrolment() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        #expect(try await fixture.store.accept(step: 50, for: id))
        let restarted = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        #expect(try await restarted.accept(step: 50, for: id) == false)
        try await restarted.setTOTP(makeTOTP(), device: id)
        #expect(try await restarted.accept(step: 1, for: id))
    }

    @Test func aDeviceWithoutTOTP_acceptsNoStep() async throws {
        let fixture = try StoreFixture()
        let id = try await fixture.addDevice("a")
        #expect(try await fixture.store.accept(step: 1, for: id) == false)
    }

    @Test func concurrentFailures_areAllCounted() async throws {
        let fixture = try StoreFixture()
        let other = try SQLiteStore(path: fixture.databasePath, masterKey: fixture.key)
        let stores: [SQLiteStore] = [fixture.store, other]
        let id = try DeviceID("a")
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for racer in 0..<Self.racers {
                group.addTask { try await stores[racer % 2].recordFailure(for: id, at: Int64(racer)).consecutiveFailures }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...Self.racers), "every failure saw a distinct count")
        #expect(try await fixture.store.record(for: id) == LockoutRecord(consecutiveFailures: Self.racers, lastFailure: Int64(Self.racers - 1)))
    }
}
