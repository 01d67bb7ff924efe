import Synchronization

/// Wakes a supervisor's loop when work is queued for it, and once when the task running
/// the loop is cancelled.
///
/// A lock rather than actor state, because a cancellation handler runs synchronously and
/// outside the actor. A ring with nobody waiting is kept, so the next ``wait()`` returns at
/// once; rings do not count (one wake-up may cover several).
final class Doorbell: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        var rung = false
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Whether the waiting task has been cancelled (it is woken for that once).
    var cancelRequested: Bool { state.withLock { $0.cancelled } }

    /// Wakes the waiter, or lets the next ``wait()`` return at once.
    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when rung (at once if rung since the last wait), or when the waiting task is
    /// cancelled — only the first time: a cancelled task that waits again waits for a ring.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let first = state.withLock { state -> Bool in
                defer { state.cancelled = true }
                return !state.cancelled
            }
            if first { ring() }
        }
    }
}
