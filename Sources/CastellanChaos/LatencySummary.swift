/// Connect latency percentiles over a set of attempts (nearest rank, so every value is one measured).
public struct LatencySummary: Sendable, Hashable, Codable {
    public var count: Int
    /// Milliseconds; nil when there were no attempts.
    public var p50: Double?
    public var p99: Double?

    /// Summarises `seconds` (unsorted).
    public init(seconds: [Double]) {
        let sorted = seconds.sorted()
        count = sorted.count
        p50 = Self.percentile(50, of: sorted).map { $0 * 1000 }
        p99 = Self.percentile(99, of: sorted).map { $0 * 1000 }
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 100) of `sorted` ascending values; nil if empty.
    public static func percentile(_ p: Double, of sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
