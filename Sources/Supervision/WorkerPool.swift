import Synchronization

/// N workers of one ``WorkerBehavior`` under a dynamic supervisor, and a router in front.
///
/// Every submitted request completes exactly once — with the response, or with a
/// ``WorkerPoolError`` — never lost, never hanging: when a worker dies, the request it was
/// handling is retried once on another worker if it was submitted as idempotent, and
/// otherwise completed with ``WorkerPoolError/workerCrashed(_:)``; the requests queued
/// behind it never ran, so they go to another worker whatever their kind. Replies from an instance
/// the request was taken from (an older generation) are dropped. Hung workers are caught by
/// the request deadline (a watchdog) and replaced.
public final class WorkerPool<Behavior: WorkerBehavior>: Sendable {
    /// The pool's child spec: a dynamic supervisor starting `size` workers. Add it to a tree.
    public let childSpec: ChildSpec
    private let router = PoolRouter<Behavior>()

    /// - Parameters:
    ///   - id: the pool's id in its parent supervisor.
    ///   - size: workers started with the pool (and its `maxChildren`).
    ///   - intensity: the pool supervisor's restart intensity.
    ///   - requestDeadline: a request running longer marks its worker hung; `nil` = no watchdog.
    ///   - lanes: the executors the workers' loops may run on (task executor preferences);
    ///     empty = the global executor. Each new worker instance goes to the lane with the
    ///     fewest live workers of this pool, so a pool of at least as many workers as lanes has
    ///     one on every lane, also after restarts. A service that decides on several I/O
    ///     threads gives one lane per thread and submits each request to its own thread's lane
    ///     (``submit(_:lane:idempotent:)``): the request is then handled without waking another thread.
    ///   - onStart: called as each worker instance starts accepting requests (for metrics and benchmarks).
    ///   - make: builds a fresh behavior for each worker instance (throwing fails that start).
    public init(
        id: String, size: Int, intensity: RestartIntensity = RestartIntensity(maxRestarts: 100, within: .seconds(1)),
        requestDeadline: Duration? = nil, shutdown: ShutdownPolicy = .workerDefault, lanes: [any TaskExecutor] = [],
        onStart: @escaping @Sendable (ChildContext) -> Void = { _ in },
        make: @escaping @Sendable (ChildContext) throws -> Behavior
    ) {
        let router = router
        router.laneCount = lanes.count
        let template = ChildSpec.worker(
            id: "worker", restart: .permanent, shutdown: shutdown,
            watchdog: requestDeadline.map { Watchdog(requestDeadline: $0) }
        ) { [weak router] context in
            let lane = router?.emptiestLane() ?? 0
            let worker = Worker(context: context, behavior: try make(context), executor: lanes.isEmpty ? nil : lanes[lane]) {
                [weak router] worker, inHand, queued, reason in router?.workerDied(worker, inHand: inHand, queued: queued, reason: reason)
            }
            router?.add(worker, lane: lane)
            onStart(context)
            return worker
        }
        var spec = ChildSpec(
            id: id,
            start: .dynamic(DynamicSupervisorOptions(intensity: intensity, maxChildren: size, initialChildren: size),
                            template: template),
            restart: .permanent, shutdown: .infinity)
        spec.onExit = { [weak router] _ in router?.close() }
        childSpec = spec
    }

    /// Runs `request` on some worker.
    ///
    /// - Parameter idempotent: whether it is safe to run twice; only then is it retried
    ///   (once) when its worker dies.
    /// - Throws: ``WorkerPoolError`` when no worker can answer.
    public func submit(_ request: Behavior.Request, idempotent: Bool = false) async throws -> Behavior.Response {
        try await withCheckedThrowingContinuation { continuation in
            router.dispatch(Envelope(request, idempotent: idempotent, continuation: continuation))
        }
    }

    /// Runs `request` on a worker of `lane` (one whose loop runs on that lane's executor, see
    /// the initializer's `lanes`) when the pool has one, else on any worker.
    ///
    /// - Parameter idempotent: as for ``submit(_:idempotent:)``; a retry goes to any other worker.
    public func submit(_ request: Behavior.Request, lane: Int?, idempotent: Bool = false) async throws -> Behavior.Response {
        try await withCheckedThrowingContinuation { continuation in
            router.dispatch(Envelope(request, idempotent: idempotent, continuation: continuation), lane: lane)
        }
    }

    /// Runs `request` on the worker that `affinity` picks among the live ones, so requests with
    /// the same affinity meet the same worker state (a multi-step exchange) while the pool's
    /// membership is unchanged.
    ///
    /// When a worker dies the mapping shifts, and a follow-up step reaches a worker that never
    /// saw the first: the behavior must treat that as a refusal — or keep such state where a
    /// replacement finds it (``ChildContext/table(_:capacity:)``).
    ///
    /// - Parameter idempotent: whether it is safe to run twice; only then is it retried (once,
    ///   on whichever worker is free: affinity is a preference, not a requirement) when its
    ///   worker dies.
    public func submit(_ request: Behavior.Request, affinity: UInt64, idempotent: Bool = false) async throws -> Behavior.Response {
        try await withCheckedThrowingContinuation { continuation in
            router.dispatch(Envelope(request, idempotent: idempotent, continuation: continuation), affinity: affinity)
        }
    }

    /// Workers accepting requests now.
    public var liveWorkers: Int { router.liveWorkers }

    /// Requests waiting: queued at a worker or parked for the next one (the pool's queue depth).
    public var queuedRequests: Int { router.queuedRequests }
}

/// Routes requests round-robin over the live workers and takes back a dead worker's requests.
///
/// While the pool runs but has no live worker (a pool of one, restarting), requests wait
/// ("parked") for the next worker instead of failing; once the pool's supervisor is gone
/// they fail with ``WorkerPoolError/unavailable``, so none waits forever.
final class PoolRouter<Behavior: WorkerBehavior>: Sendable {
    typealias Letter = Envelope<Behavior.Request, Behavior.Response>

    /// Holds only this pool's workers and letters (see ``PoolRouting``): the downcasts below are safe.
    private let routing = Mutex(PoolRouting())
    /// Lanes the workers are spread over (0: none); set once, before any worker starts.
    var laneCount: Int {
        get { routing.withLock { $0.laneCount } }
        set { routing.withLock { $0.laneCount = newValue } }
    }

    var liveWorkers: Int { routing.withLock { $0.workers.count } }

    var queuedRequests: Int {
        routing.withLock { routing in
            routing.parked.count + routing.workers.reduce(0) { $0 + unsafeDowncast($1, to: Worker<Behavior>.self).queued }
        }
    }

    /// The lane with the fewest live workers, where a new worker instance goes.
    func emptiestLane() -> Int { routing.withLock { $0.emptiestLane() } }

    func add(_ worker: Worker<Behavior>, lane: Int = 0) {
        let parked = routing.withLock { routing -> [PoolRouting.Object] in
            routing.add(worker, lane: lane)
            routing.open = true
            guard !routing.parked.isEmpty else { return [] }
            defer { routing.parked.removeAll() }
            return routing.parked
        }
        for letter in parked { dispatch(unsafeDowncast(letter, to: Letter.self)) }
    }

    /// The pool's supervisor is gone: fail whatever waits for a worker.
    func close() {
        let parked = routing.withLock { routing in
            routing.open = false
            defer { routing.parked.removeAll() }
            return routing.parked
        }
        for letter in parked { unsafeDowncast(letter, to: Letter.self).fail(WorkerPoolError.unavailable) }
    }

    func dispatch(_ letter: Letter, avoiding dead: Worker<Behavior>? = nil, affinity: UInt64? = nil, lane: Int? = nil) {
        // Ends: each turn sends, parks, fails, or drops a worker that refuses for good.
        while true {
            let route = routing.withLock { routing -> PoolRouting.Route in
                let count = routing.workers.count
                if let affinity, count > 0 { return .send(routing.workers[Int(affinity % UInt64(count))]) }
                if let lane, let worker = routing.worker(on: lane) { return .send(worker) }
                for _ in 0..<count {
                    routing.next = (routing.next + 1) % count
                    let worker = routing.workers[routing.next]
                    if worker !== dead { return .send(worker) }
                }
                guard routing.open else { return .closed }
                routing.parked.append(letter)
                return .parked
            }
            switch route {
            case .parked: return
            case .closed:
                letter.fail(WorkerPoolError.unavailable)
                return
            case .send(let worker):
                if unsafeDowncast(worker, to: Worker<Behavior>.self).send(letter) { return }
                // That worker stopped accepting for good (it crashed, was cancelled, or
                // stops): route around it now rather than at its declared death.
                routing.withLock { $0.remove(worker) }
            }
        }
    }

    /// A worker is dead: the request it was handling may have run (partly), so it is retried
    /// only when idempotent and not retried before; the ones queued behind it never ran, so
    /// they are routed again — their first run, not a retry. A worker that stopped normally
    /// (the pool shuts down) hands back nothing to run elsewhere.
    func workerDied(_ worker: Worker<Behavior>, inHand: Letter?, queued: [Letter], reason: ExitReason) {
        routing.withLock { $0.remove(worker) }
        if let letter = inHand, !letter.isComplete {
            // Not begun (the worker died between receiving and handling it): like a queued one.
            if !reason.isNormal && (letter.attempts == 0 || letter.idempotent && letter.attempts < 2) {
                dispatch(letter, avoiding: worker)
            } else {
                letter.fail(reason.isNormal ? WorkerPoolError.shuttingDown : WorkerPoolError.workerCrashed(reason))
            }
        }
        for letter in queued where !letter.isComplete {
            if reason.isNormal { letter.fail(WorkerPoolError.shuttingDown) } else { dispatch(letter, avoiding: worker) }
        }
    }
}

/// A router's state: its live workers and the letters waiting for one.
///
/// Not generic: workers and letters are held as plain objects, so this code is compiled
/// once, fully specialised. Nested in the generic router it ran unspecialised for pools of
/// another module's behavior, looking up the metadata of its own types on every dispatch
/// and on every restart. Only ``PoolRouter`` fills it, each with its own `Worker` and
/// `Envelope` types, which is what makes its unchecked downcasts safe.
private struct PoolRouting {
    typealias Object = any AnyObject & Sendable

    enum Route {
        case send(Object)
        case parked
        case closed
    }

    /// Live workers, in no particular order; `slots` finds one's index so a death
    /// removes it in O(1) (swap with the last) even in a pool of thousands.
    var workers: [Object] = []
    /// The lane of each worker in `workers`, at the same index.
    var lanes: [Int] = []
    var slots: [ObjectIdentifier: Int] = [:]
    var next = 0
    var laneCount = 0 { didSet { perLane = Array(repeating: 0, count: laneCount) } }
    /// Live workers per lane (`laneCount` entries).
    var perLane: [Int] = []
    var open = false
    /// Letters waiting for a worker.
    var parked: [Object] = []

    mutating func add(_ worker: Object, lane: Int) {
        slots[ObjectIdentifier(worker)] = workers.count
        workers.append(worker)
        lanes.append(lane)
        if lane < perLane.count { perLane[lane] += 1 }
    }

    mutating func remove(_ worker: Object) {
        guard let index = slots.removeValue(forKey: ObjectIdentifier(worker)) else { return }
        let last = workers.removeLast()
        let lastLane = lanes.removeLast()
        let lane = index < workers.count ? lanes[index] : lastLane
        if lane < perLane.count { perLane[lane] -= 1 }
        if index < workers.count {
            workers[index] = last
            lanes[index] = lastLane
            slots[ObjectIdentifier(last)] = index
        }
    }

    func emptiestLane() -> Int {
        guard let lane = perLane.indices.min(by: { perLane[$0] < perLane[$1] }) else { return 0 }
        return lane
    }

    /// The next worker on `lane` (round-robin among them), if any.
    mutating func worker(on lane: Int) -> Object? {
        let count = workers.count
        for _ in 0..<count {
            next = (next + 1) % count
            if lanes[next] == lane { return workers[next] }
        }
        return nil
    }
}

/// Why a pool request got no response.
public enum WorkerPoolError: Error, Sendable, Hashable {
    /// The worker running the request died, and the request was not idempotent (or was
    /// already retried once).
    case workerCrashed(ExitReason)
    /// No worker accepts requests (all restarting, or the pool is stopped).
    case unavailable
    /// The pool is shutting down.
    case shuttingDown
}
