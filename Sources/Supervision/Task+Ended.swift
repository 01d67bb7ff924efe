import Synchronization

extension Task where Success == Void, Failure == Never {
    /// Waits up to `limit` on `clock` for this task to end; `true` if it did, `false` if the
    /// limit passed first (the task is then left running: the caller cancels or abandons it).
    ///
    /// Deaf to the caller's cancellation on purpose. A supervisor gives each child its full
    /// shutdown timeout also when the task doing the stopping is itself cancelled (SIGTERM
    /// cancels the task running the tree), so the timer must not inherit that cancellation —
    /// a task group's child would, and its clock sleep would end at once. And awaiting a
    /// task's value cannot be interrupted, so the wait for the end must not be something the
    /// caller has to await to the end either. Hence two unstructured tasks (they inherit no
    /// cancellation) racing to answer once: the timer, cancelled as soon as the task ends,
    /// and a watcher, which outlives the answer only while an abandoned task still runs.
    func ended(within limit: Duration, on clock: any SupervisionClock) async -> Bool {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.arm(continuation)
            let timer = Task<Void, Never> {
                guard (try? await clock.sleep(for: limit)) != nil else { return }
                answer.give(false)
            }
            Task<Void, Never> {
                await self.value
                timer.cancel()
                answer.give(true)
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later answers are dropped.
private final class FirstAnswer: Sendable {
    private let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<Bool, Never>) { waiter.withLock { $0 = continuation } }

    func give(_ answer: Bool) {
        let continuation = waiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }
        continuation?.resume(returning: answer)
    }
}
