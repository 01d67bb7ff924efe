import CastellanAuth
import Dispatch
import Synchronization

/// A few threads of their own for the checks that cost real CPU: a key derivation (PBKDF2) for
/// a password not in the verified cache — and the same work spent for an unknown user, so that
/// timing does not tell names apart — and a certificate's first chain verification.
///
/// Why its own threads: the decision threads (``DecisionThreads``) serve every broker, and a
/// PBKDF2-4096 run (about a millisecond) on one of them would hold up every decision queued
/// there, so a flood of junk CONNECTs would slow every broker. Here junk costs a decision
/// thread what a cached check costs — one store read and a hand-off — and a cold verification
/// never delays a cached one.
///
/// Why bounded: each thread takes at most ``depth`` checks (running and waiting). When every
/// thread is that busy, ``run(_:)`` returns `nil` at once and the caller refuses: the broker
/// waiting for that answer gets it quickly instead of piling up behind a flood, so no plugin
/// deadline expires and no plugin enters fail-fast. A valid connect whose password or
/// certificate is cached never comes here.
final class ColdCheckPool: Sendable {
    private let threads: [QueueTaskExecutor]
    private let pending: Mutex<[Int]>
    /// Checks one thread holds at most, the running one included.
    let depth: Int
    /// Runs on the check's thread before each check; tests hold checks here to show what does
    /// not wait for them. `nil` in service.
    let beforeEachCheck = Mutex<(@Sendable () -> Void)?>(nil)

    /// `threads` serial queues (each runs on one thread at a time), `depth` checks each.
    init(threads: Int = 2, depth: Int = 2) {
        let count = max(1, threads)
        self.threads = (0..<count).map { QueueTaskExecutor(DispatchQueue(label: "castellan.cold-check.\($0)", qos: .userInitiated)) }
        pending = Mutex(Array(repeating: 0, count: count))
        self.depth = max(1, depth)
    }

    /// Runs `check` on the least busy thread and returns its result, or `nil` at once when
    /// every thread already holds ``depth`` checks. The caller resumes on its own executor.
    ///
    /// A check that suspends (a certificate's revocation read) frees its thread meanwhile, but
    /// still counts against ``depth`` until it returns.
    func run<T: Sendable>(_ check: @escaping @Sendable () async -> T) async -> T? {
        let depth = depth
        let slot = pending.withLock { pending -> Int? in
            guard let index = pending.indices.min(by: { pending[$0] < pending[$1] }), pending[index] < depth else { return nil }
            pending[index] += 1
            return index
        }
        guard let slot else { return nil }
        defer { pending.withLock { $0[slot] -= 1 } }
        let hook = beforeEachCheck.withLock { $0 }
        return await withTaskGroup(of: T.self) { group in
            group.addTask(executorPreference: threads[slot]) {
                hook?()
                return await check()
            }
            return await group.next()!  // the one task just added
        }
    }

    /// Checks `password` against `credential` on the pool (`nil`: the pool is full). A wrong
    /// password and the work spent for an unknown name (against ``PasswordVerifier/decoy(iterations:)``)
    /// both come here, so they run the same machine code. Why that matters: measured in release,
    /// the two as separate closures differed by 110–160 µs per check in one build and the other
    /// way round in the next — the key derivation's speed depended on where each closure's code
    /// and stack happened to land — a difference a stranger could time.
    func verify(_ password: [UInt8], against credential: SCRAMCredential) async -> Bool? {
        await run { PasswordVerifier.verify(password: password, against: credential) }
    }

    /// Checks held now, over all threads: for tests and metrics.
    var load: Int { pending.withLock { $0.reduce(0, +) } }
}

/// Runs Swift tasks on a serial dispatch queue: a cold-check thread.
private final class QueueTaskExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(_ queue: DispatchQueue) { self.queue = queue }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}
