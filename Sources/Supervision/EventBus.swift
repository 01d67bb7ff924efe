import Foundation
import Synchronization

/// Fans supervision events out to every subscriber, and remembers the most recent ones.
///
/// `emit` is on the restart path, so it only appends to a ring buffer and yields to each
/// subscriber's stream under one lock: logging and metrics are subscribers that run
/// elsewhere (see ``EventReporter``). Subscribers that fall behind lose their oldest
/// events (each stream buffers at most `bufferLimit`) rather than slow supervisors down.
public final class EventBus: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<SupervisionEvent>.Continuation] = [:]
        var nextID = 0
        var recent: [SupervisionEvent] = []
        var recentStart = 0
        /// The last timestamp given out: none is ever earlier (see ``emit(_:)``).
        var lastTimestamp = Date.distantPast
    }

    private let state = Mutex(State())
    private let recentLimit: Int
    private let bufferLimit: Int

    /// - Parameters:
    ///   - recentLimit: how many past events a new subscriber may replay.
    ///   - bufferLimit: per-subscriber backlog before the oldest undelivered events are dropped.
    public init(recentLimit: Int = 256, bufferLimit: Int = 10_000) {
        self.recentLimit = recentLimit
        self.bufferLimit = bufferLimit
    }

    /// Delivers `event` to every subscriber, stamped with the time it is published.
    ///
    /// Why not the time the supervisor noted it: a supervisor publishes its step's events at
    /// the end of the step, after those its children published meanwhile, so noted times would
    /// reach subscribers out of order (a tree's start read `.042` after `.043`). Stamped here,
    /// under the lock that orders delivery — and never earlier than the previous stamp, should
    /// the wall clock step back — every subscriber and the replay see time order.
    public func emit(_ event: SupervisionEvent) {
        state.withLock { state in
            state.lastTimestamp = max(Date(), state.lastTimestamp)
            let event = SupervisionEvent(timestamp: state.lastTimestamp, path: event.path, kind: event.kind)
            if state.recent.count < recentLimit {
                state.recent.append(event)
            } else {
                state.recent[state.recentStart] = event
                state.recentStart = (state.recentStart + 1) % recentLimit
            }
            for continuation in state.subscribers.values { continuation.yield(event) }
        }
    }

    /// The most recent events, oldest first.
    public func recent() -> [SupervisionEvent] {
        state.withLock { Array($0.recent[$0.recentStart...] + $0.recent[..<$0.recentStart]) }
    }

    /// A stream of events from now on; with `replay`, the remembered recent events first.
    /// The stream ends when the iterating task is cancelled or ``finish()`` is called.
    public func subscribe(replay: Bool = false) -> AsyncStream<SupervisionEvent> {
        let (stream, continuation) = AsyncStream<SupervisionEvent>.makeStream(
            bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            if replay {
                for event in state.recent[state.recentStart...] + state.recent[..<state.recentStart] {
                    continuation.yield(event)
                }
            }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscriber's stream.
    public func finish() {
        let continuations = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
