import Synchronization

/// A condition of the running service and a way to wait for it without polling: the bridge
/// socket accepting connections (tests, `/readyz`), a broker having connected.
public final class Readiness: Sendable {
    private struct State {
        var ready = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    init() {}

    public var isReady: Bool { state.withLock { $0.ready } }

    func set(_ ready: Bool) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.ready = ready
            guard ready else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the socket is ready (at once if it is).
    public func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.ready { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
