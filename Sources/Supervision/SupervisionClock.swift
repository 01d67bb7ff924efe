/// The time source of a supervision tree: restart windows, backoff, shutdown timeouts, watchdogs.
///
/// Injected so tests drive time by hand (`ManualClock` in SupervisionTesting) instead of
/// sleeping; production uses ``SystemSupervisionClock``.
public protocol SupervisionClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    var now: Duration { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// ``SupervisionClock`` on `ContinuousClock`.
public struct SystemSupervisionClock: SupervisionClock {
    private let origin = ContinuousClock.now
    public init() {}
    public var now: Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
