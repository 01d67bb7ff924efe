import Synchronization

/// What a starting child learns from its supervisor: where it sits, which incarnation it is,
/// the tree's clock and registry, and how to show it is alive.
public struct ChildContext: Sendable {
    /// The child's path in the tree, e.g. `/castellan/auth/scram/3`.
    public let path: String
    /// Which incarnation of this child slot this is: 1 at first start, +1 per restart.
    public let generation: UInt64
    /// The tree's clock; children use it for their own timing so tests stay deterministic.
    public let clock: any SupervisionClock
    /// The tree's registry, to find sibling workers by path.
    public let registry: Registry
    let liveness: Liveness
    /// The tables of this child's supervisor instance (see ``table(_:capacity:)``).
    let tables: SupervisorTables

    /// The table `name` owned by this child's supervisor, created empty (holding at most
    /// `capacity` entries) by the first child that asks. Every instance of every child of
    /// that supervisor instance gets the same table, so its entries outlive a child's crash;
    /// the table is dropped when the supervisor terminates (see ``SupervisorTable``).
    ///
    /// - Throws: ``SupervisorTableError/typeMismatch(_:)`` when `name` exists with other
    ///   types; ``SupervisorTableError/dropped`` once the supervisor is gone.
    public func table<Key: Hashable & Sendable, Value: Sendable>(
        _ name: String, capacity: Int
    ) throws(SupervisorTableError) -> SupervisorTable<Key, Value> {
        try tables.table(name, capacity: capacity, clock: clock)
    }

    /// Tells the watchdog this child is alive (see ``Watchdog/heartbeat``).
    public func heartbeat() { liveness.beat(at: clock.now) }

    /// Marks the start of a request, for the watchdog's request deadline.
    public func beginRequest() { liveness.begin(at: clock.now) }

    /// Marks the end of the request begun last.
    public func endRequest() { liveness.end(at: clock.now) }
}

/// When a supervisor's watchdog declares a running child hung and kills it (reason `hung`).
///
/// Swift cannot interrupt a task that does not cooperate, so the hung instance is
/// cancelled and abandoned at once, and a fresh one takes its place; its late replies are
/// rejected by generation.
public struct Watchdog: Sendable, Hashable {
    /// The child must call ``ChildContext/heartbeat()`` at least this often.
    public var heartbeat: Duration?
    /// A request begun with ``ChildContext/beginRequest()`` must end within this.
    public var requestDeadline: Duration?

    public init(heartbeat: Duration? = nil, requestDeadline: Duration? = nil) {
        self.heartbeat = heartbeat
        self.requestDeadline = requestDeadline
    }

    /// How often the supervisor checks: half the shortest limit.
    var checkInterval: Duration? {
        [heartbeat, requestDeadline].compactMap { $0 }.min().map { $0 / 2 }
    }
}

/// A child's last signs of life, shared between the child and its supervisor's watchdog.
final class Liveness: Sendable {
    private struct State {
        var lastBeat: Duration
        var busySince: Duration?
    }

    private let state: Mutex<State>

    init(now: Duration) { state = Mutex(State(lastBeat: now)) }

    func beat(at now: Duration) { state.withLock { $0.lastBeat = now } }
    func begin(at now: Duration) { state.withLock { $0.busySince = now; $0.lastBeat = now } }
    func end(at now: Duration) { state.withLock { $0.busySince = nil; $0.lastBeat = now } }

    /// Why the child counts as hung at `now`, or `nil` when it is fine.
    func overdue(at now: Duration, _ watchdog: Watchdog) -> String? {
        state.withLock { state in
            if let deadline = watchdog.requestDeadline, let since = state.busySince, now - since > deadline {
                return "request over its \(deadline) deadline"
            }
            if let limit = watchdog.heartbeat, now - state.lastBeat > limit {
                return "no heartbeat for \(limit)"
            }
            return nil
        }
    }
}
