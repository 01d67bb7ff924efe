import Supervision
import Synchronization

/// The open `/v1/supervision/events` streams, so stopping the admin API can end them.
///
/// An SSE response never ends by itself; the HTTP server's graceful shutdown would wait for
/// it forever. Each response reads from a relay registered here; ``closeAll()`` finishes
/// them all and makes every later relay start finished.
final class EventStreams: Sendable {
    /// One response's stream and the continuation its pump feeds.
    struct Relay: Sendable {
        let id: Int
        let stream: AsyncStream<SupervisionEvent>
        let continuation: AsyncStream<SupervisionEvent>.Continuation
    }

    private struct State {
        var closed = false
        var nextID = 0
        var open: [Int: AsyncStream<SupervisionEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// A new relay; already finished when the admin API is stopping.
    func open() -> Relay {
        let (stream, continuation) = AsyncStream<SupervisionEvent>.makeStream()
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextID += 1 }
            state.open[state.nextID] = continuation
            return state.nextID
        }
        if id == nil { continuation.finish() }
        return Relay(id: id ?? -1, stream: stream, continuation: continuation)
    }

    /// Forgets a relay whose response ended.
    func close(_ id: Int) {
        _ = state.withLock { $0.open.removeValue(forKey: id) }
    }

    /// Ends every open stream and any opened later.
    func closeAll() {
        let open = state.withLock { state in
            state.closed = true
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        for continuation in open { continuation.finish() }
    }
}
