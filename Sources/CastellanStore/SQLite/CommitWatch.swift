import Foundation
import Synchronization

/// A thread of its own that asks every `period` whether any connection committed, and wakes
/// the change feed when one did — and at least every 20 periods, so a failed follower read is
/// retried.
///
/// Why a thread and not a task: a task's 20 sleeps a second each went through the dispatch
/// timer thread and a pool thread, three thread switches a poll, and that was ~90 % of an idle
/// service's CPU (5.0 of 5.5 ms a second, `perf stat -e task-clock`; 0.6–0.9 ms with the poll
/// slowed to once a second). This thread sleeps in `nanosleep` and is woken by the kernel's
/// timer alone.
///
/// It holds the feed and what `mark` reads, never the store, and ends within a period of
/// ``stop()``.
final class CommitWatch: Sendable {
    private let stopped = Atomic(false)

    /// Starts the thread. `mark` tells commits apart: two equal marks in a row, nothing was
    /// committed between them.
    init<Mark: Equatable & Sendable>(period: Duration, feed: ChangeFeed, mark: @escaping @Sendable () -> Mark?) {
        let (seconds, attoseconds) = period.components
        let full = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        let thread = Thread { [self] in
            var seen: Mark?
            var quiet = 0
            while !stopped.load(ordering: .relaxed) {
                var interval = full, left = timespec()
                while nanosleep(&interval, &left) != 0, errno == EINTR { interval = left }  // a signal cut it short
                let now = mark()
                quiet += 1
                if now != seen || quiet >= 20 {
                    seen = now
                    quiet = 0
                    feed.wake()
                }
            }
        }
        thread.name = "castellan-commit-watch"
        thread.start()
    }

    /// Ends the thread after its current sleep.
    func stop() { stopped.store(true, ordering: .relaxed) }
}
