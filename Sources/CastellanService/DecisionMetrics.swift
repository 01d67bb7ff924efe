import CastellanAuth
import CastellanBridge
import Metrics
import Synchronization

/// `castellan_auth_decisions_total{method,result}` and the decision latency, per method, and
/// `castellan_auth_fast_lane_total`: the decisions made in the fast lane
/// (``Authenticator/decideAtOnce(_:from:)``).
///
/// Both labels come from closed sets (``AuthMethod``, `BridgeDecision.Result`), never from
/// what a client sent: an unknown enhanced-auth method is counted as `other`.
///
/// The counter and timer of each (method, result) are made once, at their first decision, and
/// kept: making them per decision looked them up in the registry by name each time (label
/// validation, lower-casing, two dictionary lookups under a lock), a tenth of the service's CPU
/// on a cached connect.
final class DecisionMetrics: Sendable {
    /// Where the metrics go: a test's own factory, or else (`nil`) the process's
    /// `MetricsSystem` as it is at the first decision (after `serve` bootstrapped it).
    private let factory: (any MetricsFactory)?
    private let handlers = Mutex<[Key: Handlers]>([:])
    private let fastLane: Mutex<Counter?> = Mutex(nil)
    private let fastLaneCount = Atomic(0)

    private struct Key: Hashable {
        let method: String
        let result: BridgeDecision.Result
    }

    private struct Handlers: Sendable {
        let decisions: Counter
        let duration: Timer
    }

    init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// Decisions made in the fast lane since start.
    var fastLaneDecisions: Int { fastLaneCount.load(ordering: .relaxed) }

    func record(_ outcome: AuthOutcome, duration: Duration, fastLane inFastLane: Bool = false) {
        if inFastLane {
            fastLaneCount.add(1, ordering: .relaxed)
            fastLane.withLock { counter in
                if counter == nil { counter = Counter(label: "castellan_auth_fast_lane_total", factory: factory ?? MetricsSystem.factory) }
                return counter
            }?.increment()
        }
        let key = Key(method: outcome.method.description, result: outcome.result)
        let handlers = handlers.withLock { handlers in
            if let made = handlers[key] { return made }
            let factory = factory ?? MetricsSystem.factory
            let made = Handlers(
                decisions: Counter(label: "castellan_auth_decisions_total", dimensions: [("method", key.method), ("result", key.result.label)],
                                   factory: factory),
                duration: Timer(label: "castellan_auth_decision_seconds", dimensions: [("method", key.method)], factory: factory))
            handlers[key] = made
            return made
        }
        handlers.decisions.increment()
        handlers.duration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
