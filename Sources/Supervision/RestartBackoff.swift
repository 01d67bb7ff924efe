/// Delay between a child's death and its restart: exponential with jitter (Pekko-style).
///
/// Off by default, as in OTP, where restarts are immediate. With backoff, the n-th
/// consecutive restart waits `min(max, min * 2^(n-1))`, randomly stretched by up to
/// `jitter` (0.2 = +20 %). A child that has run for `resetAfter` without dying starts
/// again from `min`. Intensity is still counted per restart attempt.
public struct RestartBackoff: Sendable, Hashable {
    public var min: Duration
    public var max: Duration
    public var jitter: Double
    public var resetAfter: Duration

    public init(min: Duration, max: Duration, jitter: Double = 0.2, resetAfter: Duration) {
        precondition(min > .zero && max >= min && jitter >= 0, "invalid backoff")
        self.min = min
        self.max = max
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The delay before the `attempt`-th consecutive restart (1-based), before jitter.
    public func baseDelay(attempt: Int) -> Duration {
        var delay = min
        var n = 1
        while n < attempt && delay < max {
            delay = delay * 2
            n += 1
        }
        return delay < max ? delay : max
    }

    /// The delay with jitter drawn from `unit` in 0..<1 (injected so tests are deterministic).
    public func delay(attempt: Int, unit: Double) -> Duration {
        let (seconds, attoseconds) = baseDelay(attempt: attempt).components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return .nanoseconds(Int64((nanoseconds * (1 + jitter * unit)).rounded()))
    }
}
