import CastellanAuth
import Testing

private let start = ContinuousClock.now

@Test func verifiedPasswordCache_success_isCachedForTheTTLOnly() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(ttl: .seconds(60), entropy: SCRAMTestEntropy())
    #expect(!cache.contains(identity: "dev1", password: bytes("pencil"), credential: credential, now: start))
    let verified = cache.verify(identity: "dev1", password: bytes("pencil"), credential: credential, now: start)
    #expect(verified)
    #expect(cache.contains(identity: "dev1", password: bytes("pencil"), credential: credential, now: start.advanced(by: .seconds(59))))
    #expect(!cache.contains(identity: "dev1", password: bytes("pencil"), credential: credential, now: start.advanced(by: .seconds(60))))
    #expect(cache.count == 1)
}

@Test func verifiedPasswordCache_failure_isNeverCached() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(entropy: SCRAMTestEntropy())
    let verified = cache.verify(identity: "dev1", password: bytes("wrong"), credential: credential, now: start)
    #expect(!verified)
    #expect(!cache.contains(identity: "dev1", password: bytes("wrong"), credential: credential, now: start))
    #expect(cache.count == 0)
}

@Test func verifiedPasswordCache_otherPasswordIdentityOrCredential_doesNotHit() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(entropy: SCRAMTestEntropy())
    _ = cache.verify(identity: "dev1", password: bytes("pencil"), credential: credential, now: start)
    #expect(!cache.contains(identity: "dev1", password: bytes("pencil2"), credential: credential, now: start))
    #expect(!cache.contains(identity: "dev2", password: bytes("pencil"), credential: credential, now: start))
    let changed = try SCRAMCredential.generate(password: "pencil", entropy: SCRAMTestEntropy(seed: 5))
    #expect(!cache.contains(identity: "dev1", password: bytes("pencil"), credential: changed, now: start))
}

@Test func verifiedPasswordCache_lengthPrefixes_preventDelimiterCollisions() throws {
    // ("ab", "cd"), ("abc", "d") and ("a", "bcd") concatenate alike; each must be its own entry.
    let credential = try SCRAMCredential.derive(password: "cd", salt: SCRAMFixtures.salt, iterations: 4096, mechanism: .sha256)
    var cache = try VerifiedPasswordCache(entropy: SCRAMTestEntropy())
    let verified = cache.verify(identity: "ab", password: bytes("cd"), credential: credential, now: start)
    #expect(verified)
    #expect(!cache.contains(identity: "abc", password: bytes("d"), credential: credential, now: start))
    #expect(!cache.contains(identity: "a", password: bytes("bcd"), credential: credential, now: start))
}

@Test func verifiedPasswordCache_invalidate_dropsTheIdentitysEntriesOnly() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(entropy: SCRAMTestEntropy())
    _ = cache.verify(identity: "dev1", password: bytes("pencil"), credential: credential, now: start)
    _ = cache.verify(identity: "dev2", password: bytes("pencil"), credential: credential, now: start)
    cache.invalidate(identity: "dev1")
    #expect(!cache.contains(identity: "dev1", password: bytes("pencil"), credential: credential, now: start))
    #expect(cache.contains(identity: "dev2", password: bytes("pencil"), credential: credential, now: start))
    cache.removeAll()
    #expect(cache.count == 0)
}

@Test func verifiedPasswordCache_isBoundedAndEvictsTheOldest() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(ttl: .seconds(60), capacity: 3, entropy: SCRAMTestEntropy())
    for (index, identity) in ["a", "b", "c", "d", "e"].enumerated() {
        let verified = cache.verify(
            identity: identity, password: bytes("pencil"), credential: credential, now: start.advanced(by: .seconds(index)))
        #expect(verified)
        #expect(cache.count <= 3)
    }
    let now = start.advanced(by: .seconds(5))
    #expect(!cache.contains(identity: "a", password: bytes("pencil"), credential: credential, now: now))
    #expect(!cache.contains(identity: "b", password: bytes("pencil"), credential: credential, now: now))
    #expect(cache.contains(identity: "e", password: bytes("pencil"), credential: credential, now: now))
}

@Test func verifiedPasswordCache_expiredEntries_arePurgedOnInsert() throws {
    let credential = try SCRAMFixtures.credential()
    var cache = try VerifiedPasswordCache(ttl: .seconds(10), capacity: 100, entropy: SCRAMTestEntropy())
    _ = cache.verify(identity: "a", password: bytes("pencil"), credential: credential, now: start)
    _ = cache.verify(identity: "b", password: bytes("pencil"), credential: credential, now: start.advanced(by: .seconds(11)))
    #expect(cache.count == 1)
}

@Test func verifiedPasswordCache_invalidSettings_areRefused() {
    expectSCRAMError(.invalidCredential) { _ = try VerifiedPasswordCache(ttl: .zero, entropy: SCRAMTestEntropy()) }
    expectSCRAMError(.invalidCredential) { _ = try VerifiedPasswordCache(capacity: 0, entropy: SCRAMTestEntropy()) }
    expectSCRAMError(.noResources) { _ = try VerifiedPasswordCache(entropy: SCRAMFailingEntropy()) }
}
