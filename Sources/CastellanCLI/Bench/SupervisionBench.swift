import Supervision
import Synchronization

/// Restart latency, escalation recovery and pool throughput of the supervision library,
/// measured in-process.
///
/// Restart latency is the time from a worker's crash (the throw leaving its behavior) to
/// its replacement accepting requests (added to the pool's router), measured one crash
/// at a time so each restart is timed alone. Escalation recovery is the time decisions are
/// unavailable when a subtree shaped like `/castellan/auth` exceeds its intensity and its
/// parent restarts it as a whole (see ``escalationRecovery(rounds:)``).
enum SupervisionBench {
    struct Result {
        var restartP50: Duration
        var restartP99: Duration
        var restartP50Large: Duration
        var restartP99Large: Duration
        var requestsPerSecond: Double
        var escalationP50: Duration
        var escalationP99: Duration
        var escalationMax: Duration
    }

    /// A behavior that answers, or crashes on request after noting the time.
    struct Behavior: WorkerBehavior {
        enum Request: Sendable {
            case echo
            case crash
        }

        struct Crash: Error {}

        let crashedAt: Timestamps
        /// When this worker instance was made: tells a request answered by the restarted
        /// subtree from one answered by the old one still winding down.
        var born = ContinuousClock.now

        mutating func handle(_ request: Request) async throws -> ContinuousClock.Instant {
            switch request {
            case .echo: return born
            case .crash:
                crashedAt.mark()
                throw Crash()
            }
        }
    }

    /// The latest instant noted; shared by the crashing worker and the benchmark.
    final class Timestamps: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        func mark() { instant.withLock { $0 = .now } }
        var last: ContinuousClock.Instant { instant.withLock { $0 } }
    }

    static func run(restarts: Int = 2_000, requests: Int = 200_000, escalations: Int = 200) async throws -> Result {
        let (p50, p99) = try await restartLatency(poolSize: 8, restarts: restarts)
        let (p50Large, p99Large) = try await restartLatency(poolSize: 1_000, restarts: restarts)
        let throughput = try await poolThroughput(poolSize: 8, requests: requests, concurrency: 64)
        let escalation = try await escalationRecovery(rounds: escalations)
        return Result(restartP50: p50, restartP99: p99, restartP50Large: p50Large, restartP99Large: p99Large,
                      requestsPerSecond: throughput, escalationP50: escalation.p50, escalationP99: escalation.p99,
                      escalationMax: escalation.max)
    }

    /// How long decisions are unavailable while an auth-like subtree restarts as a whole.
    ///
    /// The tree is `/bench/auth` (one_for_one, intensity 0) over three pools of 8 (intensity 0,
    /// so one crash makes a pool give up, and that makes `auth` give up); the root restarts
    /// `auth`. Each round crashes a worker of the first pool, then asks the last pool (the
    /// last to come back) back to back until a worker of the restarted subtree answers: the
    /// time from the crash to that answer is the unavailability. Requests answered by the
    /// old subtree before it is stopped do not count as recovery.
    static func escalationRecovery(rounds: Int) async throws -> (p50: Duration, p99: Duration, max: Duration) {
        let crashedAt = Timestamps()
        let giveUp = RestartIntensity(maxRestarts: 0, within: .seconds(1))
        let pools = (1...3).map { index in
            WorkerPool(id: "pool\(index)", size: 8, intensity: giveUp) { _ in Behavior(crashedAt: crashedAt) }
        }
        let tree = SupervisionTree(
            id: "bench", options: SupervisorOptions(intensity: RestartIntensity(maxRestarts: 1_000_000, within: .seconds(1))),
            children: [.supervisor(id: "auth", SupervisorOptions(intensity: giveUp), children: pools.map(\.childSpec))])
        let events = tree.events()
        let running = Task { try await tree.run() }
        var iterator = events.makeAsyncIterator()
        while let event = await iterator.next(), !(event.path == "/bench" && event.name == "child_started") {}
        var samples: [Duration] = []
        for _ in 0..<rounds {
            _ = try? await pools[0].submit(.crash)
            let crash = crashedAt.last
            while true {
                if let born = try? await pools[2].submit(.echo), born > crash { break }
            }
            samples.append(.now - crash)
            // Settle: the root has finished restarting `auth` before the next round.
            while let event = await iterator.next(), !(event.path == "/bench/auth" && event.name == "child_restarted") {}
        }
        await tree.stop()
        try await running.value
        samples.sort()
        return (percentile(samples, 0.50), percentile(samples, 0.99), samples.last ?? .zero)
    }

    /// Runs `body` against a started tree holding one pool; stops the tree afterwards.
    private static func withPool<T: Sendable>(
        size: Int, onStart: @escaping @Sendable (ChildContext) -> Void, crashedAt: Timestamps,
        _ body: (WorkerPool<Behavior>) async throws -> T
    ) async throws -> T {
        let pool = WorkerPool(id: "pool", size: size,
                              intensity: RestartIntensity(maxRestarts: 1_000_000, within: .seconds(1)),
                              onStart: onStart) { _ in Behavior(crashedAt: crashedAt) }
        let tree = SupervisionTree(id: "bench", options: SupervisorOptions(), children: [pool.childSpec])
        let started = tree.events()
        let running = Task { try await tree.run() }
        for await event in started where event.path == "/bench" && event.name == "child_started" { break }
        let result = try await body(pool)
        await tree.stop()
        try await running.value
        return result
    }

    static func restartLatency(poolSize: Int, restarts: Int) async throws -> (Duration, Duration) {
        let crashedAt = Timestamps()
        let (replacements, replaced) = AsyncStream<ContinuousClock.Instant>.makeStream()
        return try await withPool(size: poolSize, onStart: { context in
            if context.generation > 1 { replaced.yield(.now) }
        }, crashedAt: crashedAt) { pool in
            var samples: [Duration] = []
            samples.reserveCapacity(restarts)
            var iterator = replacements.makeAsyncIterator()
            for _ in 0..<restarts {
                _ = try? await pool.submit(.crash)
                guard let acceptedAt = await iterator.next() else { break }
                samples.append(acceptedAt - crashedAt.last)
            }
            samples.sort()
            return (percentile(samples, 0.50), percentile(samples, 0.99))
        }
    }

    static func poolThroughput(poolSize: Int, requests: Int, concurrency: Int) async throws -> Double {
        try await withPool(size: poolSize, onStart: { _ in }, crashedAt: Timestamps()) { pool in
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        for _ in 0..<(requests / concurrency) { _ = try await pool.submit(.echo) }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            return Double(requests / concurrency * concurrency) / elapsed.seconds
        }
    }

    static func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var microseconds: Double { seconds * 1e6 }
}
