/// Settings for the per-source-address connect limit.
///
/// A token bucket per address: `burst` connects at once, refilled at `connectsPerSecond`.
/// Loopback addresses (127.0.0.0/8, ::1, and their IPv4-mapped forms) are exempt unless
/// `limitLoopback` is set, so local tools and benchmarks are not throttled. At most
/// `maxTrackedAddresses` buckets are kept (see ``RateLimiter``).
public struct RateLimitPolicy: Sendable, Hashable {
    /// Sustained connects per second per address (finite, > 0).
    public let connectsPerSecond: Double
    /// Connects an idle address may make at once (≥ 1).
    public let burst: Int
    /// Whether loopback addresses are limited too.
    public let limitLoopback: Bool
    /// The most addresses tracked at once (≥ 1); bounds memory under address-spraying floods.
    public let maxTrackedAddresses: Int

    /// 100 connects/s with a burst of 100, loopback exempt, 100,000 addresses tracked.
    public static let `default` = RateLimitPolicy(unchecked: 100, burst: 100, limitLoopback: false, maxTrackedAddresses: 100_000)

    /// Validates the settings; throws ``PolicyError/invalidRateLimit(_:fileID:line:)`` naming the broken rule.
    public init(connectsPerSecond: Double = 100, burst: Int = 100, limitLoopback: Bool = false, maxTrackedAddresses: Int = 100_000) throws(PolicyError) {
        guard connectsPerSecond.isFinite, connectsPerSecond > 0 else { throw .invalidRateLimit("connectsPerSecond must be a positive number") }
        guard burst >= 1 else { throw .invalidRateLimit("burst must be at least 1") }
        guard maxTrackedAddresses >= 1 else { throw .invalidRateLimit("maxTrackedAddresses must be at least 1") }
        self.init(unchecked: connectsPerSecond, burst: burst, limitLoopback: limitLoopback, maxTrackedAddresses: maxTrackedAddresses)
    }

    private init(unchecked connectsPerSecond: Double, burst: Int, limitLoopback: Bool, maxTrackedAddresses: Int) {
        self.connectsPerSecond = connectsPerSecond
        self.burst = burst
        self.limitLoopback = limitLoopback
        self.maxTrackedAddresses = maxTrackedAddresses
    }
}
