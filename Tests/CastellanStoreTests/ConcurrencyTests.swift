import CastellanAuth
@testable import CastellanStore
import Testing

@Suite("Atomic TOTP steps and lockout counts")
struct ConcurrencyTests {
    static let racers = 64

    @Test(arguments: Backend.allCases)
    func manyTasksAcceptingTheSameStep_yieldExactlyOneWinner_acrossTwoStoreInstances(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        // Half the racers use a second store instance on the same database: separate connections
        // (for PostgreSQL, what a second service instance is).
        let other = try await fixture.reopen()
        let stores: [any CredentialStore] = [fixture.store, other]
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
        #expect(try await other.totpEnrolment(device: id)?.lastAcceptedStep == 104)
        await other.close()
    }

    @Test(arguments: Backend.allCases)
    func racersWithDifferentSteps_neverMoveTheLastStepBackwards(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        let other = try await fixture.reopen()
        let stores: [any CredentialStore] = [fixture.store, other]
        let accepted = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for racer in 0..<Self.racers {
                group.addTask { try await stores[racer % 2].accept(step: Int64(racer), for: id) ? Int64(racer) : nil }
            }
            return try await group.reduce(into: [Int64]()) { if let step = $1 { $0.append(step) } }
        }
        #expect(accepted.contains(Int64(Self.racers - 1)), "the newest step always wins")
        #expect(try await fixture.store.totpEnrolment(device: id)?.lastAcceptedStep == Int64(Self.racers - 1))
        await other.close()
    }

    @Test(arguments: Backend.allCases)
    func anOlderStep_isRefusedAfterANewerOne_andNegativeStepsNever(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        #expect(try await fixture.store.accept(step: -1, for: id) == false)
        #expect(try await fixture.store.accept(step: 10, for: id))
        #expect(try await fixture.store.accept(step: 9, for: id) == false)
        #expect(try await fixture.store.accept(step: 10, for: id) == false)
        #expect(try await fixture.store.accept(step: 11, for: id))
    }

    @Test(arguments: Backend.allCases)
    func aStepIsRemembered_acrossARestart_andForgottenOnReenrolment(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a", policy: .totp)
        try await fixture.store.setTOTP(makeTOTP(), device: id)
        #expect(try await fixture.store.accept(step: 50, for: id))
        await fixture.store.close()
        let restarted = try await fixture.reopen()
        #expect(try await restarted.accept(step: 50, for: id) == false)
        try await restarted.setTOTP(makeTOTP(), device: id)
        #expect(try await restarted.accept(step: 1, for: id))
        await restarted.close()
    }

    @Test(arguments: Backend.allCases)
    func aDeviceWithoutTOTP_acceptsNoStep(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.addDevice("a")
        #expect(try await fixture.store.accept(step: 1, for: id) == false)
    }

    @Test(arguments: Backend.allCases)
    func concurrentFailures_areAllCounted_acrossTwoStoreInstances(_ backend: Backend) async throws {
        let fixture = try await StoreFixture(backend)
        let other = try await fixture.reopen()
        let stores: [any CredentialStore] = [fixture.store, other]
        let id = try DeviceID("a")
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for racer in 0..<Self.racers {
                group.addTask { try await stores[racer % 2].recordFailure(for: id, from: "192.0.2.1", at: Int64(racer)).consecutiveFailures }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...Self.racers), "every failure saw a distinct count")
        #expect(try await fixture.store.record(for: id) == LockoutRecord(consecutiveFailures: Self.racers, lastFailure: Int64(Self.racers - 1)))
        await other.close()
    }
}
