@testable import Supervision
import SupervisionTesting
import Synchronization
import Testing

/// A pool behavior the tests script through its requests.
struct Scripted: WorkerBehavior {
    enum Request: Sendable {
        case echo(Int)
        case crash
        case hang
        /// How many requests this worker instance has handled, this one included.
        case tally
        /// Crashes the worker that handles it first; echoes the value on any later attempt.
        case crashOnce(CrashOnce, Int)
    }

    final class CrashOnce: Sendable {
        let fired = Atomic(false)
    }

    let clock: any SupervisionClock
    var handled = 0

    mutating func handle(_ request: Request) async throws -> Int {
        handled += 1
        switch request {
        case .echo(let value): return value
        case .crash: throw ScriptedFailure.crashed("pool")
        case .tally: return handled
        case .crashOnce(let once, let value):
            if !once.fired.exchange(true, ordering: .relaxed) { throw ScriptedFailure.crashed("pool") }
            return value
        case .hang:
            // A hung request, not a wait: on the manual clock it ends only by cancellation, and
            // tests await `waitForSleepers` to know the worker is stuck in it.
            try await clock.sleep(for: .seconds(3600))
            return -1
        }
    }
}

@Suite struct WorkerPoolTests {
    func pool(size: Int = 3, deadline: Duration? = nil, clock: ManualClock) -> WorkerPool<Scripted> {
        WorkerPool(id: "pool", size: size, intensity: RestartIntensity(maxRestarts: 100, within: .seconds(1)),
                   requestDeadline: deadline) { context in Scripted(clock: context.clock) }
    }

    @Test func requests_areAnsweredByTheWorkers() async throws {
        let clock = ManualClock()
        let pool = pool(clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        #expect(pool.liveWorkers == 3)
        for value in 0..<10 { #expect(try await pool.submit(.echo(value)) == value) }
        await tree.stop()
        try await running.value
    }

    @Test func requestsWithOneAffinity_meetTheSameWorker() async throws {
        let clock = ManualClock()
        let pool = pool(clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        var tallies: [Int] = []
        for _ in 0..<5 { tallies.append(try await pool.submit(.tally, affinity: 7)) }
        #expect(tallies == [1, 2, 3, 4, 5])
        var spread: [Int] = []
        for _ in 0..<3 { spread.append(try await pool.submit(.tally)) }
        #expect(spread.filter { $0 == 1 }.count == 2)  // round-robin reaches the two other workers
        await tree.stop()
        try await running.value
    }

    @Test func crashingRequest_failsWithWorkerCrashed_andTheWorkerIsReplaced() async throws {
        let clock = ManualClock()
        let pool = pool(size: 2, clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        await #expect(throws: WorkerPoolError.self) { try await pool.submit(.crash) }
        await recorder.next("child_restarted")
        #expect(pool.liveWorkers == 2)
        #expect(try await pool.submit(.echo(7)) == 7)
        await tree.stop()
        try await running.value
    }

    @Test func plainRequestInHand_failsClosed_whenItsWorkerIsKilled_andTheQueuedOnesRunOnTheReplacement() async throws {
        let clock = ManualClock()
        let pool = pool(size: 1, clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        // The only worker hangs on one request; an idempotent and a plain echo queue behind it.
        let hang = Task { try await pool.submit(.hang) }
        await clock.waitForSleepers(1)
        let idempotent = Task { try await pool.submit(.echo(1), idempotent: true) }
        let plain = Task { try await pool.submit(.echo(2)) }
        while pool.queuedRequests < 2 { await Task.yield() }
        try await tree.kill(path: "/root/pool/1")
        await #expect(throws: WorkerPoolError.workerCrashed(.killed)) { try await hang.value }
        // Neither queued request ran on the killed worker: parked until the replacement
        // started, then answered by it — the plain one too, as this is its first run.
        #expect(try await idempotent.value == 1)
        #expect(try await plain.value == 2)
        await tree.stop()
        try await running.value
    }

    @Test func idempotentRequestInHand_isRetriedOnce_andFailsClosedWhenItsSecondWorkerIsKilledToo() async throws {
        let clock = ManualClock()
        let pool = pool(size: 1, clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        let hang = Task { try await pool.submit(.hang, idempotent: true) }
        await clock.waitForSleepers(1)
        try await tree.kill(path: "/root/pool/1")
        // Retried on the replacement, where it hangs again.
        await recorder.next("child_restarted", at: "/root/pool/1")
        await clock.waitForSleepers(1)
        try await tree.kill(path: "/root/pool/1")
        await #expect(throws: WorkerPoolError.workerCrashed(.killed)) { try await hang.value }
        await tree.stop()
        try await running.value
    }

    /// A password decision: routed by affinity (a warm cache), safe to run twice. Its worker
    /// crashing mid-request costs a retry on another worker, not the answer.
    @Test func idempotentRequestWithAffinity_isRetriedOnAnotherWorker_whenItsWorkerCrashes() async throws {
        let clock = ManualClock()
        let pool = pool(size: 2, clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        #expect(try await pool.submit(.crashOnce(Scripted.CrashOnce(), 5), affinity: 1, idempotent: true) == 5)
        await recorder.next("child_restarted")
        await #expect(throws: WorkerPoolError.workerCrashed(.crashed(ScriptedFailure.crashed("pool")))) {
            try await pool.submit(.crashOnce(Scripted.CrashOnce(), 6), affinity: 1)
        }
        #expect(pool.liveWorkers == 2)
        await tree.stop()
        try await running.value
    }

    @Test func requestsToAStoppedPool_failAsUnavailable_insteadOfWaiting() async throws {
        let clock = ManualClock()
        let pool = pool(size: 1, clock: clock)
        await #expect(throws: WorkerPoolError.unavailable) { try await pool.submit(.echo(1)) }
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        await tree.stop()
        try await running.value
        await #expect(throws: WorkerPoolError.unavailable) { try await pool.submit(.echo(1)) }
    }

    @Test func watchdog_killsAWorkerStuckOverTheRequestDeadline_andTheRequestFailsClosed() async throws {
        let clock = ManualClock()
        let pool = pool(size: 1, deadline: .seconds(1), clock: clock)
        let tree = SupervisionTree(id: "root", options: SupervisorOptions(), children: [pool.childSpec],
                                   environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")
        let stuck = Task { try await pool.submit(.hang) }
        await clock.waitForSleepers(2)  // the watchdog's tick and the hung request
        clock.advance(by: .milliseconds(1500))
        let exit = await recorder.next("child_exited", at: "/root/pool/1")
        #expect(exit.detail.hasPrefix("hung("))
        await #expect(throws: WorkerPoolError.workerCrashed(.hung("request over its 1.0 seconds deadline"))) {
            try await stuck.value
        }
        await recorder.next("child_restarted", at: "/root/pool/1")
        #expect(try await pool.submit(.echo(3)) == 3)
        await tree.stop()
        try await running.value
    }

    @Test func replyFromAnOlderGeneration_isRejected() async throws {
        let (result, continuation) = AsyncStream<Int>.makeStream()
        let envelope = await withCheckedContinuation { outer in
            Task {
                let value = try await withCheckedThrowingContinuation { inner in
                    outer.resume(returning: Envelope<Int, Int>(0, idempotent: true, continuation: inner))
                }
                continuation.yield(value)
            }
        }
        let old = Envelope<Int, Int>.Assignment(path: "/root/pool/1", generation: 1)
        let new = Envelope<Int, Int>.Assignment(path: "/root/pool/1", generation: 2)
        envelope.assign(old)
        envelope.assign(new)
        #expect(!envelope.reply(.success(1), from: old), "stale generation")
        #expect(envelope.reply(.success(2), from: new))
        #expect(!envelope.reply(.success(3), from: new), "completed exactly once")
        var iterator = result.makeAsyncIterator()
        #expect(await iterator.next() == 2)
    }

    @Test func registry_knowsOnlyTheCurrentGeneration() async throws {
        let harness = await Harness(SupervisorOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(5)))) {
            probe in [probe.spec("w")]
        }
        #expect(harness.environment.registry.isCurrent("/root/w", generation: 1))
        harness.crash("w")
        await harness.restarted("/root/w")
        #expect(!harness.environment.registry.isCurrent("/root/w", generation: 1))
        #expect(harness.environment.registry.lookup("/root/w", as: ScriptedChild.self)?.generation == 2)
        await harness.stop()
    }
}
