import Testing
import CastellanAuth

private let start = ContinuousClock.now
private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

/// Holds the limiter by reference so `#expect` can call its mutating methods.
private final class Harness {
    var limiter: RateLimiter
    init(_ policy: RateLimitPolicy = .default) { limiter = RateLimiter(policy: policy) }
    func attempt(from address: String, at now: ContinuousClock.Instant) -> Bool { limiter.attempt(from: address, at: now) }
    func prune(at now: ContinuousClock.Instant) { limiter.prune(at: now) }
    var trackedAddressCount: Int { limiter.trackedAddressCount }
}

@Test func rateLimiter_default_allowsABurstOf100PerAddressThenRefuses() {
    let limiter = Harness()
    let admitted = (0..<150).filter { _ in limiter.attempt(from: "192.0.2.1", at: at(0)) }.count
    #expect(admitted == 100)
    #expect(limiter.attempt(from: "192.0.2.2", at: at(0)))
}

@Test func rateLimiter_tokensRefillAtTheConfiguredRate() {
    let limiter = Harness()
    for _ in 0..<100 { _ = limiter.attempt(from: "192.0.2.1", at: at(0)) }
    #expect(!limiter.attempt(from: "192.0.2.1", at: at(5)))
    #expect(limiter.attempt(from: "192.0.2.1", at: at(15)))
    #expect(!limiter.attempt(from: "192.0.2.1", at: at(16)))
    // A full second later the bucket holds its whole burst again, and never more.
    let admitted = (0..<150).filter { _ in limiter.attempt(from: "192.0.2.1", at: at(5_000)) }.count
    #expect(admitted == 100)
}

@Test func rateLimiter_timeGoingBackwards_addsNoTokens() throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 1))
    #expect(limiter.attempt(from: "192.0.2.1", at: at(10_000)))
    #expect(!limiter.attempt(from: "192.0.2.1", at: at(0)))
    #expect(!limiter.attempt(from: "192.0.2.1", at: at(10_500)))
    #expect(limiter.attempt(from: "192.0.2.1", at: at(11_000)))
}

@Test(arguments: ["127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::FFFF:7f00:1"])
func rateLimiter_loopback_isLimitedLikeAnyAddress(address: String) throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 1))
    #expect(limiter.attempt(from: address, at: at(0)))
    #expect(!limiter.attempt(from: address, at: at(0)))
}

@Test(arguments: [
    ("127.0.0.1", ["127.0.0.1"]), ("::ffff:127.0.0.1", ["127.0.0.0/8"]), ("10.1.2.3", ["10.0.0.0/8"]),
    ("::1", ["::1"]), ("2001:db8::7", ["2001:db8::/32"]), ("192.0.2.9", ["198.51.100.1", "192.0.2.0/24"]),
] as [(String, [String])])
func rateLimiter_trustedProxies_areNotLimited(address: String, trusted: [String]) throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 1, trustedProxies: trusted))
    #expect((0..<1_000).allSatisfy { _ in limiter.attempt(from: address, at: at(0)) })
    #expect(limiter.trackedAddressCount == 0)
}

@Test(arguments: [("127.0.0.2", ["127.0.0.1"]), ("11.0.0.1", ["10.0.0.0/8"]), ("2001:db9::1", ["2001:db8::/32"])] as [(String, [String])])
func rateLimiter_addressesOutsideTheTrustedProxies_areLimited(address: String, trusted: [String]) throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 1, trustedProxies: trusted))
    #expect(limiter.attempt(from: address, at: at(0)))
    #expect(!limiter.attempt(from: address, at: at(0)))
}

@Test(arguments: ["localhost", "10.0.0.0/33", "::/129", "10.0.0.1/", "/8", "10.0.0.0/x"])
func rateLimitPolicy_aTrustedProxyThatIsNoAddress_isRefused(entry: String) {
    #expect(throws: PolicyError.self) { try RateLimitPolicy(trustedProxies: [entry]) }
}

@Test(arguments: ["128.0.0.1", "10.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1", "localhost", "", "127.0.0.1.5", "1::1::1", ":::1", "1.2.3.4::1", "::ffff:127.0.0", "12345::1", "::g"])
func rateLimiter_otherAndUnparseableAddresses_areLimited(address: String) throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 1))
    #expect(limiter.attempt(from: address, at: at(0)))
    #expect(!limiter.attempt(from: address, at: at(0)))
}

@Test func rateLimiter_spellingsOfOneAddress_shareABucket() throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 2))
    #expect(limiter.attempt(from: "10.0.0.1", at: at(0)))
    #expect(limiter.attempt(from: "::ffff:10.0.0.1", at: at(0)))
    #expect(!limiter.attempt(from: "::FFFF:a00:1", at: at(0)))
    #expect(limiter.attempt(from: "2001:db8::1", at: at(0)))
    #expect(limiter.attempt(from: "2001:DB8:0:0::1", at: at(0)))
    #expect(!limiter.attempt(from: "2001:0db8::0:1", at: at(0)))
    #expect(limiter.attempt(from: "fe80::1%eth0", at: at(0)))
    #expect(limiter.attempt(from: "fe80::1", at: at(0)))
    #expect(!limiter.attempt(from: "fe80:0::1%lo", at: at(0)))
    #expect(limiter.trackedAddressCount == 3)
}

@Test func rateLimiter_manyAddresses_stayWithinTheTrackedBound() throws {
    let limiter = Harness(try RateLimitPolicy(maxTrackedAddresses: 64))
    for index in 0..<10_000 {
        _ = limiter.attempt(from: "10.\(index / 65_536).\(index / 256 % 256).\(index % 256)", at: at(index / 100))
        #expect(limiter.trackedAddressCount <= 64)
    }
}

@Test func rateLimiter_eviction_dropsRefilledBucketsBeforeThrottledOnes() throws {
    let limiter = Harness(try RateLimitPolicy(connectsPerSecond: 1, burst: 2, maxTrackedAddresses: 3))
    #expect(limiter.attempt(from: "10.0.0.1", at: at(0)))
    #expect(limiter.attempt(from: "10.0.0.1", at: at(0)))
    #expect(!limiter.attempt(from: "10.0.0.1", at: at(0)))
    #expect(limiter.attempt(from: "10.0.0.2", at: at(0)))
    #expect(limiter.attempt(from: "10.0.0.3", at: at(0)))
    // 1.5 s later .2 and .3 are full again (forgettable); .1 holds 1.5 tokens and must be kept.
    #expect(limiter.attempt(from: "10.0.0.4", at: at(1_500)))
    #expect(limiter.trackedAddressCount == 2)
    #expect(limiter.attempt(from: "10.0.0.1", at: at(1_500)))
    #expect(!limiter.attempt(from: "10.0.0.1", at: at(1_500)))
}

@Test func rateLimiter_prune_forgetsFullBuckets() {
    let limiter = Harness()
    _ = limiter.attempt(from: "10.0.0.1", at: at(0))
    limiter.prune(at: at(5))
    #expect(limiter.trackedAddressCount == 1)
    limiter.prune(at: at(1_000))
    #expect(limiter.trackedAddressCount == 0)
}

@Test(arguments: [(0.0, 1, 1), (-1, 1, 1), (.nan, 1, 1), (.infinity, 1, 1), (1, 0, 1), (1, 1, 0)] as [(Double, Int, Int)])
func rateLimitPolicy_invalidSettings_areRefused(rate: Double, burst: Int, tracked: Int) {
    #expect(throws: PolicyError.self) { try RateLimitPolicy(connectsPerSecond: rate, burst: burst, maxTrackedAddresses: tracked) }
}

@Test func rateLimiter_refusal_hasTheRateLimitedReason() {
    #expect(DenialReason.rateLimited().code == "rate_limited")
}
