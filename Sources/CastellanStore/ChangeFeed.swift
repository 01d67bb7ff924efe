import Synchronization

/// Wakes the followers of a store's change log, and runs each follower.
///
/// A wake-up says only "there may be something new": each follower then reads the log from its
/// own last id, so a lost or merged wake-up delays a change but never loses it. Wake-ups come
/// from this instance's commits (at once), and from the backend's view of other writers: SQLite
/// polls the WAL index's header, PostgreSQL LISTENs (and catches up after every reconnect).
final class ChangeFeed: Sendable {
    private struct State {
        var next = 0
        var wakeups: [Int: AsyncStream<Void>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())

    /// Wakes every follower.
    func wake() {
        let wakeups = state.withLock { Array($0.wakeups.values) }
        for wakeup in wakeups { wakeup.yield() }
    }

    /// Whether any follower is running (a store polls for other writers only then).
    var hasFollowers: Bool { state.withLock { !$0.wakeups.isEmpty } }

    /// Follows the log from `start` (exclusive): every record with a greater id, in id order,
    /// each once. The stream ends when the store closes or the consumer stops iterating.
    ///
    /// A failed read is retried at the next wake-up (the backends wake their followers at least
    /// once a second while any is running), so a store that is briefly unreachable delays
    /// changes without losing any.
    func follow(
        after start: Int64, read: @escaping @Sendable (_ after: Int64, _ limit: Int) async throws -> [ChangeRecord]
    ) -> AsyncStream<ChangeRecord> {
        let (wakeups, wakeup) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let key: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            defer { state.next += 1 }
            state.wakeups[state.next] = wakeup
            return state.next
        }
        guard let key else { return AsyncStream { $0.finish() } }
        wakeup.yield()  // catch up with whatever committed before the first wake-up
        let (records, output) = AsyncStream<ChangeRecord>.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            var last = start
            for await _ in wakeups {
                do {
                    while !Task.isCancelled {
                        let batch = try await read(last, Self.batchSize)
                        for record in batch where record.id > last {
                            output.yield(record)
                            last = record.id
                        }
                        if batch.count < Self.batchSize { break }
                    }
                } catch {
                    // Retried at the next wake-up; nothing is skipped.
                }
            }
            output.finish()
        }
        output.onTermination = { [weak self] _ in
            task.cancel()
            _ = self?.state.withLock { $0.wakeups.removeValue(forKey: key) }?.finish()
        }
        return records
    }

    /// Ends every follower (the store closed).
    func finish() {
        let wakeups = state.withLock { state in
            state.finished = true
            defer { state.wakeups.removeAll() }
            return Array(state.wakeups.values)
        }
        for wakeup in wakeups { wakeup.finish() }
    }

    deinit { finish() }

    /// How many records one read fetches.
    static let batchSize = 500
}
