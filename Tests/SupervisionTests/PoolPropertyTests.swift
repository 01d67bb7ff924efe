import Supervision
import SupervisionTesting
import Synchronization
import Testing

/// Random crash schedules against a pool: whatever happens, every request completes exactly
/// once, no supervisor ever uses more restarts than its intensity, and the tree stays consistent.
@Suite struct PoolPropertyTests {
    enum Step {
        case submit(Scripted.Request, idempotent: Bool)
        case kill(worker: Int)
    }

    @Test(.timeLimit(.minutes(2)))
    func randomCrashSchedules_completeEveryRequestExactlyOnce_withinIntensity() async throws {
        var random = SeededRandom(seed: 0xCA57E11A)
        for _ in 0..<1_000 {
            let size = Int.random(in: 1...4, using: &random)
            let maxRestarts = Int.random(in: 1...12, using: &random)
            let steps: [Step] = (0..<Int.random(in: 5...25, using: &random)).map { _ in
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<5: .submit(.echo(Int.random(in: 0...99, using: &random)), idempotent: Bool.random(using: &random))
                case 5..<7: .submit(.crash, idempotent: Bool.random(using: &random))
                default: .kill(worker: Int.random(in: 1...size, using: &random))
                }
            }
            try await check(size: size, maxRestarts: maxRestarts, steps: steps)
        }
    }

    func check(size: Int, maxRestarts: Int, steps: [Step]) async throws {
        let clock = ManualClock()
        let pool = WorkerPool(id: "pool", size: size, intensity: RestartIntensity(maxRestarts: maxRestarts, within: .seconds(1))) {
            context in Scripted(clock: context.clock)
        }
        let tree = SupervisionTree(
            id: "root", options: SupervisorOptions(intensity: RestartIntensity(maxRestarts: 10_000, within: .seconds(1))),
            children: [pool.childSpec], environment: SupervisionEnvironment(clock: clock))
        let recorder = EventRecorder(tree.environment.events)
        let running = Task { try await tree.run() }
        await recorder.next("child_started", at: "/root")

        let completions = Completions()
        var requests: [Task<Void, Never>] = []
        for (number, step) in steps.enumerated() {
            switch step {
            case .submit(let request, let idempotent):
                requests.append(Task {
                    let result = await Result { try await pool.submit(request, idempotent: idempotent) }
                    if case .crash = request, case .success = result { Issue.record("a crashing request got an answer") }
                    if case .echo(let value) = request, case .success(let answer) = result, answer != value {
                        Issue.record("wrong answer \(answer) for \(value)")
                    }
                    completions.count(number)
                })
            case .kill(let worker):
                try? await tree.kill(path: "/root/pool/\(worker)")
            }
            try assertConsistent(await tree.snapshot(), size: size, maxRestarts: maxRestarts, registry: tree.environment.registry)
        }
        for request in requests { await request.value }
        let submitted = steps.indices.filter { if case .submit = steps[$0] { true } else { false } }
        #expect(completions.all == Dictionary(uniqueKeysWithValues: submitted.map { ($0, 1) }))
        await tree.stop()
        try await running.value
    }

    func assertConsistent(_ root: TreeSnapshot, size: Int, maxRestarts: Int, registry: Registry) throws {
        #expect((root.intensity?.used ?? 0) <= (root.intensity?.maxRestarts ?? 0))
        guard let pool = root.node(at: "/root/pool"), pool.state == .running else { return }
        #expect((pool.intensity?.used ?? 0) <= maxRestarts, "restarts never exceed intensity")
        #expect(pool.children.count <= size)
        for worker in pool.children where worker.state == .running {
            #expect(worker.generation >= 1)
            let registered = registry.lookup(worker.path)?.generation
            #expect(registered == nil || registered! >= worker.generation, "registry never holds an older generation")
        }
    }
}

/// How many times each request completed.
final class Completions: Sendable {
    private let counts = Mutex<[Int: Int]>([:])
    func count(_ request: Int) { counts.withLock { $0[request, default: 0] += 1 } }
    var all: [Int: Int] { counts.withLock { $0 } }
}
