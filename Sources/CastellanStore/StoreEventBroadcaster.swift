import Synchronization

/// Hands every committed change to every open ``CredentialStore/events()`` stream.
///
/// In-process fan-out, used by both backends: SQLite publishes right after its commit,
/// PostgreSQL publishes what its LISTEN connection receives (committed by any instance).
/// Streams buffer without bound — events are rare (operator actions) and a slow consumer must
/// not lose a revocation.
final class StoreEventBroadcaster: Sendable {
    private let state = Mutex<(next: Int, continuations: [Int: AsyncStream<StoreEvent>.Continuation])>((0, [:]))

    func stream() -> AsyncStream<StoreEvent> {
        let (stream, continuation) = AsyncStream<StoreEvent>.makeStream(bufferingPolicy: .unbounded)
        let key = state.withLock { state in
            let key = state.next
            state.next += 1
            state.continuations[key] = continuation
            return key
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: key) }
        }
        return stream
    }

    func publish(_ events: [StoreEvent]) {
        guard !events.isEmpty else { return }
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations {
            for event in events { continuation.yield(event) }
        }
    }

    /// Ends every open stream (the store closed).
    func finish() {
        let continuations = state.withLock { state in
            defer { state.continuations.removeAll() }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.finish() }
    }

    deinit {
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.finish() }
    }
}
