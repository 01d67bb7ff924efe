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

@Test func lockoutCounter_countsPerSourceAndInTotal_andASuccessResetsOnlyItsSource() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    #expect(try await counter.recordFailure(for: dev1, from: "a", at: 10) == LockoutRecord(consecutiveFailures: 1, lastFailure: 10))
    #expect(try await counter.recordFailure(for: dev1, from: "a", at: 20) == LockoutRecord(consecutiveFailures: 2, lastFailure: 20))
    #expect(try await counter.recordFailure(for: dev1, from: "b", at: 15) == LockoutRecord(consecutiveFailures: 1, lastFailure: 15))
    #expect(try await counter.record(for: dev1) == LockoutRecord(consecutiveFailures: 3, lastFailure: 20))
    #expect(try await counter.record(for: dev2) == LockoutRecord())
    try await counter.recordSuccess(for: dev1, from: "a")
    #expect(try await counter.record(for: dev1, from: "a") == LockoutRecord())
    #expect(try await counter.record(for: dev1, from: "b") == LockoutRecord(consecutiveFailures: 1, lastFailure: 15))
    #expect(try await counter.record(for: dev1).consecutiveFailures == 3, "one address proving the credential leaves the total")
}

@Test func lockoutCounter_hardLockedSource_staysLockedUntilUnlock_whichClearsEverySource() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    var record = LockoutRecord()
    for attempt in 0..<10 { record = try await counter.recordFailure(for: dev1, from: "a", at: Int64(attempt)) }
    _ = try await counter.recordFailure(for: dev1, from: "b", at: 11)
    #expect(policy.status(of: record, now: 1_000_000_000) == .hardLocked)
    try await counter.unlock(dev1)
    #expect(policy.status(of: try await counter.record(for: dev1, from: "a"), now: 10) == .open)
    #expect(try await counter.record(for: dev1, from: "b") == LockoutRecord())
    #expect(try await counter.record(for: dev1) == LockoutRecord())
}

@Test func lockoutCounter_parallelSessions_countEveryFailure() async throws {
    let counter: any LockoutCounter = InMemoryLockoutCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for attempt in 0..<100 { group.addTask { _ = try await counter.recordFailure(for: dev1, from: "a", at: Int64(attempt)) } }
        try await group.waitForAll()
    }
    let record = try await counter.record(for: dev1, from: "a")
    #expect(record.consecutiveFailures == 100)
    #expect(try await counter.record(for: dev1).consecutiveFailures == 100)
    #expect(LockoutPolicy.default.status(of: record, now: 0) == .hardLocked)
}

@Test func lockout_failuresFromOneSource_neverLockAnother() {
    let attacker = LockoutRecord(consecutiveFailures: 9, lastFailure: 1_000)
    #expect(policy.status(source: attacker, deviceFailures: 9, now: 1_001) == .lockedUntil(1_060))
    #expect(policy.status(source: LockoutRecord(), deviceFailures: 9, now: 1_001) == .open)
}

@Test func lockout_onceTheDeviceTotalReachesTheHardLimit_aFailingSourceIsHardLocked_aCleanOneStillChecked() {
    let once = LockoutRecord(consecutiveFailures: 1, lastFailure: 1_000)
    #expect(policy.status(source: once, deviceFailures: 9, now: 1_000) == .open)
    #expect(policy.status(source: once, deviceFailures: 10, now: 1_000) == .hardLocked)
    #expect(policy.status(source: LockoutRecord(), deviceFailures: 1_000, now: 1_000) == .open)
}

/// NIST SP 800-63B §5.2.2: the defaults give one address 17 guesses in the first hour (4 free,
/// then 1 s doubling to the 15-minute cap), 4 an hour after that, and 100 in all.
@Test func lockout_defaults_boundTheGuessesFromOneAddress() {
    let defaults = LockoutPolicy.default
    #expect(defaults.maxFailuresFromOneSource(within: 3_600) == 17)
    #expect(defaults.maxFailuresFromOneSource(within: 2 * 3_600) == 21)
    #expect(defaults.maxFailuresFromOneSource(within: 24 * 3_600) == 100)
    #expect(defaults.maxFailuresFromOneSource(within: 365 * 24 * 3_600) == 100)
    #expect(policy.maxFailuresFromOneSource(within: 1) == 3, "the free ones and the first locked one, at once")
}

/// Many addresses, each retrying as soon as its lock lets it, through the same check the
/// service makes: together they get at most hardLockAfter guesses plus one per address.
@Test(arguments: [1, 7, 50, 200])
func lockout_manyAddressesTogether_getAtMostTheHardLimitPlusOnePerAddress(addresses: Int) async throws {
    let policy = LockoutPolicy.default
    let counter = InMemoryLockoutCounter()
    var guesses = 0
    for second in stride(from: Int64(0), to: 24 * 3_600, by: 60) {
        for address in 0..<addresses {
            let source = "198.51.100.\(address % 256)/\(address / 256)"
            let total = await counter.record(for: dev1).consecutiveFailures
            guard policy.status(source: await counter.record(for: dev1, from: source), deviceFailures: total, now: second) == .open
            else { continue }
            guesses += 1
            _ = await counter.recordFailure(for: dev1, from: source, at: second)
        }
    }
    #expect(guesses <= policy.hardLockAfter + addresses)
    #expect(guesses >= min(policy.hardLockAfter, addresses * 17), "the bound is reached, not just respected")
}

@Test(arguments: [
    ("192.0.2.7", "192.0.2.7"), ("::ffff:192.0.2.7", "192.0.2.7"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::9", "2001:db8:1:2::/64"), ("::1", "0:0:0:0::/64"), ("not an address", "not an address"),
    ("010.0.2.255", "10.0.2.255"), ("::ffff:10.0.0.1", "10.0.0.1"),
    // Not IPv4 addresses: each is its own key, as text.
    ("192.0.2", "192.0.2"), ("192.0.2.7.1", "192.0.2.7.1"), ("192.0.2.256", "192.0.2.256"), ("192..2.7", "192..2.7"),
    ("192.0.2.", "192.0.2."), (".192.0.2", ".192.0.2"), ("0192.0.2.7", "0192.0.2.7"), ("192.0.2.-7", "192.0.2.-7"),
    ("", ""), ("::ffff:192.0.2.256", "::ffff:192.0.2.256"),
] as [(String, String)])
func lockout_sourceKeys_areIPv4AddressesAndIPv6Slash64s(address: String, key: String) {
    #expect(LockoutPolicy.source(of: address) == key)
}
