/// A per-source-address token bucket that decides whether a connect may proceed.
///
/// A value type with `mutating` methods and no clock of its own: the owner (one actor on the
/// connect path) passes the time in, which keeps it deterministic under test and free of
/// extra hops. Address spellings are normalised (`::ffff:10.0.0.1` is `10.0.0.1`,
/// `2001:DB8::1` is `2001:db8:0::1`), so one host gets one bucket; strings that are not IP
/// addresses are limited under their literal text.
///
/// Memory is bounded by ``RateLimitPolicy/maxTrackedAddresses``: a full bucket is the same as
/// no bucket, so refilled buckets are forgotten first; if the table is still full, the least
/// recently seen quarter goes. Evicting a throttled address only ever makes the limiter more
/// lenient for that address, never stricter for anyone.
public struct RateLimiter: Sendable {
    /// The settings in force.
    public let policy: RateLimitPolicy

    private struct Bucket: Sendable {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private var buckets: [AddressKey: Bucket] = [:]

    /// A limiter with `policy` (default: 100 connects/s per address, no address exempt).
    public init(policy: RateLimitPolicy = .default) {
        self.policy = policy
    }

    /// The number of addresses currently tracked.
    public var trackedAddressCount: Int { buckets.count }

    /// Takes a token for `address` at `now`; `true` if the connect may proceed.
    ///
    /// Time moving backwards adds no tokens. A refused attempt costs nothing.
    public mutating func attempt(from address: String, at now: ContinuousClock.Instant) -> Bool {
        let parsed = IPAddress(parsing: address)
        if let parsed, policy.trusts(parsed) { return true }
        let key: AddressKey = parsed.map { .ip($0) } ?? .text(address)

        guard var bucket = buckets[key] else {
            if buckets.count >= policy.maxTrackedAddresses { makeRoom(at: now) }
            buckets[key] = Bucket(tokens: Double(policy.burst) - 1, updated: now)
            return true
        }
        refill(&bucket, at: now)
        let admitted = bucket.tokens >= 1
        if admitted { bucket.tokens -= 1 }
        buckets[key] = bucket
        return admitted
    }

    /// Forgets every address whose bucket has refilled by `now`; call it now and then to shrink
    /// the table after a burst of distinct addresses.
    public mutating func prune(at now: ContinuousClock.Instant) {
        let capacity = Double(policy.burst)
        buckets = buckets.filter { _, bucket in
            var bucket = bucket
            refill(&bucket, at: now)
            return bucket.tokens < capacity
        }
    }

    private mutating func makeRoom(at now: ContinuousClock.Instant) {
        prune(at: now)
        let target = policy.maxTrackedAddresses * 3 / 4
        guard buckets.count > target else { return }
        // Amortised: this sort runs at most once per quarter-table of new addresses.
        let oldest = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - target)
        for (key, _) in oldest { buckets[key] = nil }
    }

    private func refill(_ bucket: inout Bucket, at now: ContinuousClock.Instant) {
        guard now > bucket.updated else { return }
        let elapsed = bucket.updated.duration(to: now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        bucket.tokens = min(Double(policy.burst), bucket.tokens + seconds * policy.connectsPerSecond)
        bucket.updated = now
    }

    private enum AddressKey: Hashable, Sendable {
        case ip(IPAddress)
        case text(String)
    }
}
