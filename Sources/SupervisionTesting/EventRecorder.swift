import Supervision
import Synchronization

/// Records a tree's events so a test can await them in order instead of sleeping.
///
/// ``next(where:)`` consumes events up to and including the first match, so a sequence of
/// calls asserts an order; ``all`` shows everything seen so far.
public final class EventRecorder: Sendable {
    private struct State {
        var events: [SupervisionEvent] = []
        var cursor = 0
        var waiter: (predicate: @Sendable (SupervisionEvent) -> Bool, continuation: CheckedContinuation<SupervisionEvent, Never>)?
    }

    /// A class around the lock so the recording task can share it before `self` exists.
    private final class Storage: Sendable {
        let state = Mutex(State())
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    /// Starts recording `bus` from now on.
    public init(_ bus: EventBus) {
        let stream = bus.subscribe()
        let storage = storage
        task = Task.detached {
            for await event in stream {
                let resume = storage.state.withLock { state -> (CheckedContinuation<SupervisionEvent, Never>, SupervisionEvent)? in
                    state.events.append(event)
                    guard let waiter = state.waiter else { return nil }
                    while state.cursor < state.events.count {
                        let candidate = state.events[state.cursor]
                        state.cursor += 1
                        if waiter.predicate(candidate) {
                            state.waiter = nil
                            return (waiter.continuation, candidate)
                        }
                    }
                    return nil
                }
                if let (continuation, event) = resume { continuation.resume(returning: event) }
            }
        }
    }

    deinit { task.cancel() }

    /// Every event recorded so far.
    public var all: [SupervisionEvent] { storage.state.withLock { $0.events } }

    /// The next event (after the last one consumed) matching `predicate`; waits for it.
    @discardableResult
    public func next(where predicate: @escaping @Sendable (SupervisionEvent) -> Bool) async -> SupervisionEvent {
        await withCheckedContinuation { continuation in
            let found = storage.state.withLock { state -> SupervisionEvent? in
                while state.cursor < state.events.count {
                    let candidate = state.events[state.cursor]
                    state.cursor += 1
                    if predicate(candidate) { return candidate }
                }
                state.waiter = (predicate, continuation)
                return nil
            }
            if let found { continuation.resume(returning: found) }
        }
    }

    /// The next event named `name` (`child_restarted`, …) at `path`, if given.
    @discardableResult
    public func next(_ name: String, at path: String? = nil) async -> SupervisionEvent {
        await next { $0.name == name && (path == nil || $0.path == path) }
    }
}
