import CastellanAuth
import CastellanBridge
@testable import CastellanService
import MetricsTestKit
import Testing

/// Decision metrics take their labels from closed sets only: a client cannot mint series.
@Suite struct DecisionMetricsTests {
    @Test func anUnknownEnhancedAuthMethod_isCountedUnderTheOneLabelOther() throws {
        let metrics = TestMetrics()
        let recorder = DecisionMetrics(factory: metrics)
        for invented in ["X-EVIL-1", "X-EVIL-2", "SCRAM-SHA-1-PLUS", "scram-sha-256"] {
            recorder.record(.deny(.malformed("unsupported authentication method"), method: AuthMethod(enhancedAuthMethod: invented)),
                            duration: .microseconds(5))
        }
        recorder.record(.proceed([1], method: AuthMethod(enhancedAuthMethod: "SCRAM-SHA-256")), duration: .microseconds(5))
        #expect(try metrics.expectCounter("castellan_auth_decisions_total", [("method", "other"), ("result", "deny")]).totalValue == 4)
        #expect(try metrics.expectCounter("castellan_auth_decisions_total", [("method", "SCRAM-SHA-256"), ("result", "continue")]).totalValue == 1)
        let series = metrics.counters(label: "castellan_auth_decisions_total")
        #expect(series.count == 2)
        let labels = Set(AuthMethod.allCases.map(\.description))
        #expect(series.allSatisfy { counter in counter.dimensions.allSatisfy { $0.0 != "method" || labels.contains($0.1) } })
    }
}
