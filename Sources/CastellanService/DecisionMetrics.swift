import CastellanAuth
import Metrics

/// `castellan_auth_decisions_total{method,result}` and the decision latency, per method.
struct DecisionMetrics: Sendable {
    func record(_ outcome: AuthOutcome, duration: Duration) {
        let dimensions = [("method", outcome.method), ("result", outcome.result)]
        Counter(label: "castellan_auth_decisions_total", dimensions: dimensions).increment()
        Timer(label: "castellan_auth_decision_seconds", dimensions: [("method", outcome.method)])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
