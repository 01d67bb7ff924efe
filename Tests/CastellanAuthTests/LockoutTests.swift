import Testing
import CastellanAuth

private let dev1 = try! DeviceID("dev1")
private let dev2 = try! DeviceID("dev2")

private let policy = try! LockoutPolicy(threshold: 3, baseDelay: 2, maxDelay: 60, hardLockAfter: 10)

@Test func lockoutPolicy_defaults_stayWithinNIST() {
    let defaults = LockoutPolicy.default
    #expect(defaults.hardLockAfter <= 100)
    #expect(defaults.threshold >= 1 && defaults.threshold <= defaults.hardLockAfter)
}

@Test(arguments: [
    (1, 1, 1, 101), (1, 1, 1, 0), (0, 1, 1, 10), (11, 1, 1, 10), (3, 0, 1, 10), (3, 5, 4, 10), (3, -1, 4, 10),
] as [(Int, Int64, Int64, Int)])
func lockoutPolicy_invalidSettings_areRefused(threshold: Int, base: Int64, max: Int64, hard: Int) {
    #expect(throws: PolicyError.self) { try LockoutPolicy(threshold: threshold, baseDelay: base, maxDelay: max, hardLockAfter: hard) }
}

@Test func lockoutPolicy_hardLockAbove100_namesTheLimit() {
    #expect(throws: PolicyError.invalidLockout("hardLockAfter must be 1...100")) {
        try LockoutPolicy(threshold: 1, baseDelay: 1, maxDelay: 1, hardLockAfter: 101)
    }
}

@Test func lockout_failuresBelowThreshold_doNotLock() {
    #expect(policy.lockedUntil(failures: 0, lastFailure: 1_000) == .open)
    #expect(policy.lockedUntil(failures: 2, lastFailure: 1_000) == .open)
}

@Test func lockout_backoff_doublesFromTheThresholdAndIsCapped() {
    #expect(policy.lockedUntil(failures: 3, lastFailure: 1_000) == .lockedUntil(1_002))
    #expect(policy.lockedUntil(failures: 4, lastFailure: 1_000) == .lockedUntil(1_004))
    #expect(policy.lockedUntil(failures: 5, lastFailure: 1_000) == .lockedUntil(1_008))
    #expect(policy.lockedUntil(failures: 8, lastFailure: 1_000) == .lockedUntil(1_060))
    #expect(policy.lockedUntil(failures: 9, lastFailure: 1_000) == .lockedUntil(1_060))
}

@Test func lockout_hardLockAfterConsecutiveFailures_untilUnlocked() {
    #expect(policy.lockedUntil(failures: 10, lastFailure: 1_000) == .hardLocked)
    #expect(policy.lockedUntil(failures: 1_000_000, lastFailure: 1_000) == .hardLocked)
}

@Test func lockout_hugeDelaysAndTimes_saturateInsteadOfTrapping() throws {
    let wide = try LockoutPolicy(threshold: 1, baseDelay: .max / 2, maxDelay: .max, hardLockAfter: 100)
    #expect(wide.lockedUntil(failures: 99, lastFailure: .max - 1) == .lockedUntil(.max))
    #expect(wide.lockedUntil(failures: 70, lastFailure: 0) == .lockedUntil(.max))
}

@Test func lockout_status_opensWhenTheBackoffHasPassed() {
    let record = LockoutRecord(consecutiveFailures: 4, lastFailure: 1_000)
    #expect(policy.status(of: record, now: 1_003) == .lockedUntil(1_004))
    #expect(policy.status(of: record, now: 1_004) == .open)
    #expect(policy.status(of: LockoutRecord(), now: 0) == .open)
    #expect(policy.status(of: LockoutRecord(consecutiveFailures: 10, lastFailure: 0), now: .max) == .hardLocked)
}

@Test func lockout_status_explainsItselfAsADenialReason() {
    #expect(LockoutStatus.open.denialReason == nil)
    #expect(LockoutStatus.lockedUntil(5).denialReason?.code == "locked_out")
    #expect(LockoutStatus.hardLocked.denialReason?.code == "locked_out")
}

@Test func lockoutCounter_countsFailuresAndSuccessResets() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    #expect(try await counter.recordFailure(for: dev1, at: 10) == LockoutRecord(consecutiveFailures: 1, lastFailure: 10))
    #expect(try await counter.recordFailure(for: dev1, at: 20) == LockoutRecord(consecutiveFailures: 2, lastFailure: 20))
    #expect(try await counter.record(for: dev2) == LockoutRecord())
    try await counter.recordSuccess(for: dev1)
    #expect(try await counter.record(for: dev1) == LockoutRecord())
}

@Test func lockoutCounter_hardLockedDevice_staysLockedUntilUnlock() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    var record = LockoutRecord()
    for attempt in 0..<10 { record = try await counter.recordFailure(for: dev1, at: Int64(attempt)) }
    #expect(policy.status(of: record, now: 1_000_000_000) == .hardLocked)
    try await counter.unlock(dev1)
    #expect(policy.status(of: try await counter.record(for: dev1), now: 10) == .open)
}

@Test func lockoutCounter_parallelSessions_countEveryFailure() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for attempt in 0..<100 { group.addTask { _ = try await counter.recordFailure(for: dev1, at: Int64(attempt)) } }
        try await group.waitForAll()
    }
    let record = try await counter.record(for: dev1)
    #expect(record.consecutiveFailures == 100)
    #expect(LockoutPolicy.default.status(of: record, now: 0) == .hardLocked)
}
