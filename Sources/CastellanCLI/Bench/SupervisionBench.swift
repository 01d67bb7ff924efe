import Supervision
import Synchronization

/// Restart latency and pool throughput of the supervision library, measured in-process.
///
/// Restart latency is the time from a worker's crash (the throw leaving its behavior) to
/// its replacement accepting requests (added to the pool's router), measured one crash
/// at a time so each restart is timed alone.
enum SupervisionBench {
    struct Result {
        var restartP50: Duration
        var restartP99: Duration
        var restartP50Large: Duration
        var restartP99Large: Duration
        var requestsPerSecond: Double
    }

    /// A behavior that answers, or crashes on request after noting the time.
    struct Behavior: WorkerBehavior {
        enum Request: Sendable {
            case echo
            case crash
        }

        struct Crash: Error {}

        let crashedAt: Timestamps

        mutating func handle(_ request: Request) async throws -> Int {
            switch request {
            case .echo: return 1
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

    static func run(restarts: Int = 2_000, requests: Int = 200_000) async throws -> Result {
        let (p50, p99) = try await restartLatency(poolSize: 8, restarts: restarts)
        let (p50Large, p99Large) = try await restartLatency(poolSize: 1_000, restarts: restarts)
        let throughput = try await poolThroughput(poolSize: 8, requests: requests, concurrency: 64)
        return Result(restartP50: p50, restartP99: p99, restartP50Large: p50Large, restartP99Large: p99Large,
                      requestsPerSecond: throughput)
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
