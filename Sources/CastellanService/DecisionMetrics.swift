import CastellanAuth
import Metrics

/// `castellan_auth_decisions_total{method,result}` and the decision latency, per method.
///
/// Both labels come from closed sets (``AuthMethod``, `BridgeDecision.Result`), never from
/// what a client sent: an unknown enhanced-auth method is counted as `other`.
struct DecisionMetrics: Sendable {
    /// Where the metrics go: a test's own factory, or else (`nil`) the process's
    /// `MetricsSystem`, looked up at each record so a later bootstrap is honoured.
    var factory: (any MetricsFactory)? = nil

    func record(_ outcome: AuthOutcome, duration: Duration) {
        let factory = factory ?? MetricsSystem.factory
        let dimensions = [("method", outcome.method.description), ("result", outcome.result.label)]
        Counter(label: "castellan_auth_decisions_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "castellan_auth_decision_seconds", dimensions: [("method", outcome.method.description)], factory: factory)
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
