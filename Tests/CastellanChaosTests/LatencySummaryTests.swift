import CastellanChaos
import Testing

@Suite struct LatencySummaryTests {
    @Test func percentiles_areNearestRank_inMilliseconds() {
        let summary = LatencySummary(seconds: (1...100).map { Double($0) / 1000 }.shuffled())
        #expect(summary.count == 100)
        #expect(summary.p50 == 50)
        #expect(summary.p99 == 99)
    }

    @Test func noAttempts_giveNoPercentiles() {
        let summary = LatencySummary(seconds: [])
        #expect(summary.count == 0)
        #expect(summary.p50 == nil)
        #expect(summary.p99 == nil)
    }

    @Test func oneAttempt_isEveryPercentile() {
        #expect(LatencySummary.percentile(1, of: [0.25]) == 0.25)
        #expect(LatencySummary.percentile(99, of: [0.25]) == 0.25)
    }
}
