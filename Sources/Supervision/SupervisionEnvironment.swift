/// What every supervisor in one tree shares: its clock, registry, event bus and randomness.
public struct SupervisionEnvironment: Sendable {
    public let clock: any SupervisionClock
    public let registry: Registry
    public let events: EventBus
    /// Uniform in 0..<1, for backoff jitter; injected so tests are deterministic.
    public let random: @Sendable () -> Double

    public init(
        clock: any SupervisionClock = SystemSupervisionClock(), registry: Registry = Registry(),
        events: EventBus = EventBus(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.clock = clock
        self.registry = registry
        self.events = events
        self.random = random
    }
}
