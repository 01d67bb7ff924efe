import Synchronization

/// Collects audit entries off the decision path and writes them in batches.
///
/// ``record(_:)`` never waits: it appends to a buffer and wakes the writer. ``run()``
/// (a supervised worker) lets entries gather for ``linger`` and writes them as one transaction
/// per batch, so steady connects cost a few transactions a second, not one (and an fsync)
/// each. If a write fails the batch goes back
/// to the front of the buffer and `run()` throws — its supervisor restarts it and the entries
/// are written then. Beyond ``capacity`` waiting entries the oldest are dropped and counted:
/// an unreachable store must not grow the service without bound.
public final class AuditBatcher: Sendable {
    /// Entries written per transaction at most.
    public static let maxBatch = 512
    /// Entries held while the store cannot keep up.
    public let capacity: Int
    /// How long the writer lets entries gather after the first one arrives (skipped when a
    /// ``flush()`` waits or a full batch is there). Entries not yet written when the service is
    /// killed are lost either way; this bounds how many. 200 ms by default: each batch is a
    /// commit, and with SQLite every commit also empties the page cache of each connection
    /// that reads next (WAL), so a few batches a second keep the connect path's reads warm.
    public let linger: Duration
    private let store: any CredentialStore
    private let state = Mutex(State())

    private struct State {
        var pending: [AuditEntry] = []
        var dropped = 0
        var wake: AsyncStream<Void>.Continuation?
        /// A wake-up is on its way to the writer and not taken yet: more entries need none.
        var signalled = false
        /// Waiters for ``flush()``: resumed once everything recorded before them is written.
        var flushes: [(upTo: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var recorded = 0
        var written = 0
    }

    public init(store: any CredentialStore, capacity: Int = 100_000, linger: Duration = .milliseconds(200)) {
        self.store = store
        self.capacity = capacity
        self.linger = linger
    }

    /// Queues `entry` for the next batch. Never blocks.
    ///
    /// Wakes the writer only if no wake-up is on its way already: yielding to the stream for
    /// every entry (its lock, its buffer) was a third of the cost of recording one, on the fast
    /// lane's every connect (`perf`).
    public func record(_ entry: AuditEntry) {
        let wake = state.withLock { state -> AsyncStream<Void>.Continuation? in
            state.pending.append(entry)
            state.recorded += 1
            if state.pending.count > capacity {
                state.pending.removeFirst(state.pending.count - capacity)
                state.dropped += 1
                state.written += 1  // never will be: do not let a flush wait for it
            }
            guard !state.signalled, let wake = state.wake else { return nil }
            state.signalled = true
            return wake
        }
        wake?.yield()
    }

    /// Entries dropped because the buffer was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Writes batches until cancelled; throws when the store fails (after putting the batch back).
    public func run() async throws {
        let (signals, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { state in
            state.wake = wake
            state.signalled = true
        }
        defer { state.withLock { $0.wake = nil } }
        wake.yield()  // entries may have gathered while no writer ran
        for await _ in signals {
            // Taken: an entry recorded from now on wakes the writer again (this round may
            // already write it; the next then finds nothing).
            state.withLock { $0.signalled = false }
            let gather = state.withLock { $0.flushes.isEmpty && $0.pending.count < Self.maxBatch }
            // Cancelled (the service stops): the pause ends at once and what is held is written.
            if gather { try? await Task.sleep(for: linger) }
            while true {
                let batch = state.withLock { state -> [AuditEntry] in
                    let count = min(state.pending.count, Self.maxBatch)
                    defer { state.pending.removeFirst(count) }
                    return Array(state.pending.prefix(count))
                }
                if batch.isEmpty { break }
                do {
                    try await store.appendAudit(batch)
                } catch {
                    state.withLock { $0.pending.insert(contentsOf: batch, at: 0) }
                    throw error
                }
                let done = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.written += batch.count
                    let written = state.written
                    let ready = state.flushes.filter { $0.upTo <= written }
                    state.flushes.removeAll { $0.upTo <= written }
                    return ready.map(\.continuation)
                }
                for continuation in done { continuation.resume() }
            }
        }
    }

    /// Returns once every entry recorded before the call is written (needs a running ``run()``).
    public func flush() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.written >= state.recorded { return true }
                state.flushes.append((state.recorded, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
