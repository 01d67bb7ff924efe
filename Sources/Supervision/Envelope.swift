import Synchronization

/// One request on its way through a pool: completed exactly once, by the worker it is
/// assigned to now or by the pool — never by an instance it was taken away from.
final class Envelope<Request: Sendable, Response: Sendable>: Sendable {
    /// The worker instance an envelope is assigned to: its path and generation.
    struct Assignment: Hashable {
        let path: String
        let generation: UInt64
    }

    private struct State {
        var continuation: CheckedContinuation<Response, any Error>?
        var assignment: Assignment?
        /// Times a worker began handling it (not how often it was routed: a queued
        /// request handed back by a dead worker never ran there).
        var attempts = 0
    }

    let request: Request
    let idempotent: Bool
    private let state: Mutex<State>

    init(_ request: Request, idempotent: Bool, continuation: CheckedContinuation<Response, any Error>) {
        self.request = request
        self.idempotent = idempotent
        self.state = Mutex(State(continuation: continuation))
    }

    /// Assigns the envelope to a worker instance: only that instance's reply counts.
    func assign(_ assignment: Assignment) {
        state.withLock { $0.assignment = assignment }
    }

    /// Its worker begins handling it: one more attempt.
    func begin() { state.withLock { $0.attempts += 1 } }

    /// How many times a worker began handling it.
    var attempts: Int { state.withLock { $0.attempts } }

    /// Answered or failed already.
    var isComplete: Bool { state.withLock { $0.continuation == nil } }

    /// A worker's reply. Rejected (`false`) when the envelope was taken from that instance
    /// — a stale generation — or is already complete.
    @discardableResult
    func reply(_ result: Result<Response, any Error>, from assignment: Assignment) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Response, any Error>? in
            guard state.assignment == assignment else { return nil }
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
        return continuation != nil
    }

    /// The pool's own completion (no worker can take the request); `false` if already complete.
    @discardableResult
    func fail(_ error: any Error) -> Bool {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(throwing: error)
        return continuation != nil
    }
}
