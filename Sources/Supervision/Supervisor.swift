/// An Erlang/OTP supervisor as a Swift actor: starts children in order, restarts them by
/// strategy and restart type within a restart intensity, and escalates when it gives up.
///
/// Every change to the children happens in steps, one at a time: child exits, control
/// requests and timer ticks queue in one inbox that the loop (``run()``) takes them from.
/// Actors are reentrant at every `await`; taking one step at a time is what keeps a
/// restart, a sibling's crash and an operator's `terminateChild` from interleaving. An exit
/// that finds the supervisor idle (no step in progress, nothing queued) is that step at
/// once, on the exiting child's own task: waking the loop's task on another thread would
/// cost more than the whole restart. Introspection (``whichChildren()``, ``snapshot()``)
/// reads the state between those steps and never waits for them.
///
/// Lifecycle: ``start()`` starts the children in spec order (a failure stops the started
/// ones, newest first, and throws); ``run()`` supervises until ``stop()`` (returns), or
/// until the supervisor gives up — restart intensity exceeded, or an automatic shutdown —
/// which stops all children in reverse start order and throws ``ShutdownExit``, the
/// `shutdown` exit its parent sees. A supervisor is itself a ``ChildProcess``.
public actor Supervisor: ChildProcess {
    enum Message: Sendable {
        case exited(id: String, generation: UInt64, reason: ExitReason)
        /// Boxed: `CheckedContinuation`'s layout is not known at compile time (it comes
        /// from a resilient module), and as a direct payload it made every copy, switch
        /// and destruction of any message a call into the runtime.
        case control(ControlRequest)
        case retry(ids: [String], timer: Int)
        case watchdogTick
        case stop
    }

    final class ControlRequest: Sendable {
        let control: Control
        let reply: CheckedContinuation<Result<String, SupervisorError>, Never>

        init(_ control: Control, reply: CheckedContinuation<Result<String, SupervisorError>, Never>) {
            self.control = control
            self.reply = reply
        }

        func refuse() { reply.resume(returning: .failure(.shuttingDown())) }
    }

    enum Control: Sendable {
        case startChild(ChildSpec?)
        case terminateChild(String)
        case restartChild(String)
        case deleteChild(String)
        case kill(String, ExitReason)
    }

    struct Running {
        let process: any ChildProcess
        let task: Task<Void, Never>
        let liveness: Liveness
        let startedAt: Duration
    }

    enum Slot {
        case running(Running)
        case restarting
        case stopped
    }

    struct Record {
        var spec: ChildSpec
        /// The child's path, built once: the restart path would otherwise build it four times.
        let path: String
        var slot: Slot = .stopped
        var generation: UInt64 = 0
        var restarts = 0
        /// Restarts since the child last ran quietly for the backoff's reset period.
        var consecutive = 0
    }

    enum Phase {
        case idle
        case running
        /// `escalate` when the supervisor gave up or shut itself down: ``run()`` then throws.
        case terminated(ExitReason, escalate: Bool)
    }

    enum Mode {
        case fixed(SupervisorOptions)
        case dynamic(DynamicSupervisorOptions, template: ChildSpec)
    }

    /// This supervisor's path in the tree.
    public nonisolated let path: String
    /// Which incarnation of its slot this supervisor is (1 for the root): its events say so,
    /// so a late event of a killed instance never reads as its replacement's.
    nonisolated let generation: UInt64
    /// Tables this instance owns for its children (``ChildContext/table(_:capacity:)``),
    /// dropped when it terminates.
    nonisolated let tables = SupervisorTables()
    let mode: Mode
    let environment: SupervisionEnvironment
    /// The children in start order; `positions` indexes them by id, since dynamic
    /// supervisors hold thousands and every step looks children up.
    private var records: [Record]
    private var positions: [String: Int]
    private var window: RestartWindow
    private var phase = Phase.idle
    private var inbox = Inbox<Message>()
    /// Wakes ``run()`` when a message is queued while no step is in progress.
    private let doorbell = Doorbell()
    /// A step (one message, see ``step(_:)``) is in progress, maybe suspended at an `await`.
    private var stepping = false
    private var timers: [Int: Task<Void, Never>] = [:]
    private var nextTimer = 0
    private var nextDynamicID = 1
    private var watchdogTask: Task<Void, Never>?
    /// Tasks of killed or hung instances that may still be winding down.
    private var abandoned: [Task<Void, Never>] = []
    /// Events of the step in progress, published when it ends: in order, and without waking
    /// subscribers in the middle of a restart.
    private var pendingEvents: [SupervisionEvent] = []
    /// Killed (see ``die(_:escalate:)``): whatever step the kill interrupted starts nothing more.
    private var killed = false
    /// `supervisor_terminated` was reported: this instance is over.
    private var over = false

    /// A supervisor over fixed children, started in the order given.
    public init(path: String, options: SupervisorOptions, children: [ChildSpec], environment: SupervisionEnvironment) {
        self.init(path: path, mode: .fixed(options), children: children, environment: environment)
    }

    /// A dynamic supervisor: instances of `template`, started by ``startChild()``.
    public init(path: String, dynamic options: DynamicSupervisorOptions, template: ChildSpec,
                environment: SupervisionEnvironment) {
        self.init(path: path, mode: .dynamic(options, template: template), children: [], environment: environment)
    }

    init(path: String, mode: Mode, children: [ChildSpec], environment: SupervisionEnvironment, generation: UInt64 = 1) {
        self.path = path
        self.generation = generation
        self.mode = mode
        self.environment = environment
        self.records = children.map { Record(spec: $0, path: path + "/" + $0.id) }
        self.window = RestartWindow(mode.intensity)
        positions = Self.positions(of: records)
    }

    // MARK: Lifecycle

    /// Starts the children in spec order. If one fails to start, stops the started ones
    /// (newest first) and throws ``SupervisorError/startFailed(_:file:line:)``.
    public func start() async throws {
        defer { publishEvents() }
        try validate(records.map(\.spec))
        var started: [String] = []
        for record in records {
            do {
                try await launch(record.spec.id, restart: false)
                started.append(record.spec.id)
            } catch {
                for id in started.reversed() { await stopChild(id, reason: .shutdown("start_failed")) }
                tables.drop()
                throw SupervisorError.startFailed("\(path)/\(record.spec.id): \(error)")
            }
        }
        if case .dynamic(let options, _) = mode {
            for _ in 0..<options.initialChildren {
                if case .failure(let error) = await startDynamicChild() {
                    for record in records.reversed() { await stopChild(record.spec.id, reason: .shutdown("start_failed")) }
                    tables.drop()
                    throw SupervisorError.startFailed("\(path): \(error)")
                }
            }
        }
        startWatchdog()
        phase = .running
    }

    /// Supervises until stopped (returns) or until the supervisor gives up (throws ``ShutdownExit``).
    /// If the task running it is cancelled, it shuts down as ``stop()`` does — children in
    /// reverse start order, each within its ``ShutdownPolicy`` on the tree's clock — and returns.
    public func run() async throws {
        while true {
            // While a child's task takes a step (see `childEnded`), the loop waits: that
            // task rings when it is done and something is left for the loop.
            if !stepping {
                if let message = inbox.popFirst() {
                    await step(message)
                    continue
                }
                // A kill in progress (`die`) rings when its children are gone.
                let dying = killed && !over
                if phase.isTerminated && !dying { break }
                if Task.isCancelled && !dying {
                    if case .running = phase {
                        stepping = true
                        await terminate(.shutdown("cancelled"))
                        publishEvents()
                        stepping = false
                    }
                    closeInbox()
                    break
                }
            }
            await doorbell.wait()
        }
        if case .terminated(let reason, escalate: true) = phase {
            if case .shutdown(let detail) = reason.kind { throw ShutdownExit(detail) }
            throw KilledExit()
        }
    }

    /// Asks the supervisor to stop its children in reverse start order and return from ``run()``.
    ///
    /// Only queues the request: the caller may be one of the children it stops.
    public func stop() async { post(.stop) }

    public nonisolated var stopsGracefully: Bool { true }

    // MARK: Control (OTP's supervisor API)

    /// Adds `spec` as the last child and starts it. Dynamic supervisors: use ``startChild()``.
    @discardableResult
    public func startChild(_ spec: ChildSpec) async throws -> String { try await control(.startChild(spec)) }

    /// Starts one more instance of a dynamic supervisor's template; returns its id.
    @discardableResult
    public func startChild() async throws -> String { try await control(.startChild(nil)) }

    /// Stops a child without counting a restart; a temporary or dynamic child's spec is dropped.
    public func terminateChild(_ id: String) async throws { _ = try await control(.terminateChild(id)) }

    /// Starts a stopped child again from its kept spec.
    public func restartChild(_ id: String) async throws { _ = try await control(.restartChild(id)) }

    /// Forgets a stopped child's spec.
    public func deleteChild(_ id: String) async throws { _ = try await control(.deleteChild(id)) }

    /// Kills a direct child as a crash would (reason `killed`): its supervisor restarts it
    /// according to its restart type, and the kill counts toward intensity.
    public func kill(_ id: String) async throws { _ = try await control(.kill(id, .killed)) }

    /// Kills whatever runs at `path`: this supervisor itself, or anything below it.
    ///
    /// Killing this supervisor is OTP's `exit(Supervisor, kill)` on it: it cannot trap that,
    /// so it does not restart anything; its children are killed with it (see
    /// ``die(_:escalate:)``) and ``run()`` throws ``KilledExit`` — for the root, the end of
    /// the tree, as a real crash of the root would be.
    public func kill(path target: String) async throws {
        if target == path { return await die(.killed, escalate: true) }
        guard target.hasPrefix(path + "/") else { throw SupervisorError.noSuchPath(target) }
        let rest = target.dropFirst(path.count + 1)
        let id = String(rest.prefix { $0 != "/" })
        guard let record = records.first(where: { $0.spec.id == id }) else { throw SupervisorError.noSuchPath(target) }
        if rest.count == id.count { return try await kill(id) }
        guard case .running(let running) = record.slot, let child = running.process as? Supervisor else {
            throw SupervisorError.noSuchPath(target)
        }
        try await child.kill(path: target)
    }

    private func control(_ control: Control) async throws -> String {
        let result = await withCheckedContinuation { reply in post(.control(ControlRequest(control, reply: reply))) }
        return try result.get()
    }

    // MARK: Introspection

    /// The children in start order, as OTP's `which_children`.
    public func whichChildren() -> [ChildInfo] {
        records.map { record in
            ChildInfo(id: record.spec.id, path: childPath(record.spec.id), state: record.state,
                      kind: record.spec.start.isSupervisor ? .supervisor : .worker,
                      generation: record.generation, restarts: record.restarts)
        }
    }

    /// Counts as OTP's `count_children`.
    public func countChildren() -> ChildCounts {
        let supervisors = records.filter { $0.spec.start.isSupervisor }.count
        return ChildCounts(specs: records.count, active: records.filter { $0.state == .running }.count,
                           supervisors: supervisors, workers: records.count - supervisors)
    }

    /// This supervisor and everything below it.
    public func snapshot() async -> TreeSnapshot {
        var children: [TreeSnapshot] = []
        for record in records {
            let id = record.spec.id
            var node = TreeSnapshot(path: childPath(id), id: id, kind: .worker, strategy: nil, state: record.state,
                                    generation: record.generation, restarts: record.restarts, intensity: nil,
                                    children: [])
            if record.spec.start.isSupervisor {
                node.kind = .supervisor
                if case .running(let running) = record.slot, let child = running.process as? Supervisor {
                    let inner = await child.snapshot()
                    node.strategy = inner.strategy
                    node.intensity = inner.intensity
                    node.children = inner.children
                }
            }
            children.append(node)
        }
        let intensity = mode.intensity
        return TreeSnapshot(
            path: path, id: String(path.split(separator: "/").last ?? ""), kind: .supervisor,
            strategy: mode.strategyName, state: phase.isTerminated ? .stopped : .running, generation: generation,
            restarts: 0,
            intensity: .init(used: window.used(at: environment.clock.now), maxRestarts: intensity.maxRestarts,
                             periodMilliseconds: intensity.within.milliseconds),
            children: children)
    }

    // MARK: The loop

    /// Queues `message` for the loop. Once the supervisor has terminated, a control request
    /// is answered ``SupervisorError/shuttingDown(file:line:)`` and anything else dropped.
    private func post(_ message: Message) {
        guard inbox.append(message) else {
            if case .control(let request) = message { request.refuse() }
            return
        }
        // A step in progress is followed by the loop (or rings for it, see `childEnded`).
        if !stepping { doorbell.ring() }
    }

    /// The last act of a child's task: its exit.
    ///
    /// When the supervisor is idle — running, no step in progress, nothing queued — the
    /// exit is handled right here, as the next step, on the child's task. That is the
    /// restart path: an actor call from a task on the global executor into an idle actor
    /// runs on the same thread, where a message for ``run()`` would wait for its task to
    /// be woken on another thread. Order is kept: with nothing queued, this exit is next
    /// anyway. Safe to do on this task: the step marks the instance dead before it first
    /// awaits, so nothing in the step (or after it) can wait for this task to end. A
    /// cancelled task (a killed instance) only queues: the step's timeouts must not see
    /// its cancellation.
    private func childEnded(_ id: String, generation: UInt64, reason: ExitReason) async {
        guard case .running = phase, !stepping, inbox.isEmpty, !Task.isCancelled else {
            return post(.exited(id: id, generation: generation, reason: reason))
        }
        // The step, as `step(_:)` would take it, without wrapping the exit in a message.
        stepping = true
        await exited(id, generation: generation, reason: reason)
        publishEvents()
        stepping = false
        // Hand over to the loop what arrived meanwhile, the end of the supervisor, or the
        // cancellation of the loop's task that it waited to act on.
        if !inbox.isEmpty || phase.isTerminated || doorbell.cancelRequested { doorbell.ring() }
    }

    /// The exit of generation `generation` of child `id`, unless it was already handled
    /// (the instance was killed, or stopped by its supervisor).
    private func exited(_ id: String, generation: UInt64, reason: ExitReason) async {
        guard let index = index(of: id), case .running(let running) = records[index].slot,
              records[index].generation == generation else { return }  // already handled: stale
        await exited(id, running, reason: reason)
    }

    /// Handles one message; its events are published when it is done.
    private func step(_ message: Message) async {
        stepping = true
        await handle(message)
        publishEvents()
        stepping = false
    }

    /// No more messages: answer the control requests still queued.
    private func closeInbox() {
        for message in inbox.close() {
            if case .control(let request) = message { request.refuse() }
        }
    }

    private func handle(_ message: Message) async {
        switch message {
        case .exited(let id, let generation, let reason):
            await exited(id, generation: generation, reason: reason)
        case .control(let request):
            guard !phase.isTerminated else { return request.refuse() }
            request.reply.resume(returning: await perform(request.control))
        case .retry(let ids, let timer):
            timers[timer] = nil
            await retry(ids)
        case .watchdogTick:
            let now = environment.clock.now
            for record in records {
                guard let watchdog = record.spec.watchdog, case .running(let running) = record.slot,
                      let why = running.liveness.overdue(at: now, watchdog) else { continue }
                _ = await perform(.kill(record.spec.id, .hung(why)))
            }
        case .stop:
            await terminate(.shutdown("shutdown"))
        }
    }

    private func perform(_ control: Control) async -> Result<String, SupervisorError> {
        switch control {
        case .startChild(let spec?):
            guard case .fixed = mode else { return .failure(.notDynamic()) }
            guard index(of: spec.id) == nil else { return .failure(.duplicateChild(spec.id)) }
            do { try validate([spec]) } catch { return .failure(error as? SupervisorError ?? .invalidSpec("\(error)")) }
            return await addAndStart(spec)
        case .startChild(nil):
            return await startDynamicChild()
        case .terminateChild(let id):
            guard let index = index(of: id) else { return .failure(.noSuchChild(id)) }
            await stopChild(id, reason: .shutdown("terminated"))
            if records[index].spec.restart == .temporary || mode.isDynamic { remove(id) }
            return .success(id)
        case .restartChild(let id):
            guard let index = index(of: id) else { return .failure(.noSuchChild(id)) }
            guard records[index].state != .running else { return .failure(.childRunning(id)) }
            do {
                try await launch(id, restart: true)
                return .success(id)
            } catch {
                return .failure(.startFailed("\(childPath(id)): \(error)"))
            }
        case .deleteChild(let id):
            guard let index = index(of: id) else { return .failure(.noSuchChild(id)) }
            guard records[index].state != .running else { return .failure(.childRunning(id)) }
            remove(id)
            return .success(id)
        case .kill(let id, let reason):
            guard let index = index(of: id) else { return .failure(.noSuchChild(id)) }
            guard case .running(let running) = records[index].slot else { return .failure(.childNotRunning(id)) }
            // A supervisor takes its children with it before anything restarts: a replacement
            // must never run beside its predecessor's children.
            if let child = running.process as? Supervisor { await child.die(.killed, escalate: false) }
            // No brutal kill in Swift: cancel, abandon, and treat the instance as dead now.
            running.task.cancel()
            abandoned.append(running.task)
            await exited(id, running, reason: reason)
            return .success(id)
        }
    }

    private func startDynamicChild() async -> Result<String, SupervisorError> {
        guard case .dynamic(let options, let template) = mode else { return .failure(.notDynamic()) }
        guard records.count < options.maxChildren else { return .failure(.maxChildren(options.maxChildren)) }
        var spec = template
        spec.id = String(nextDynamicID)
        nextDynamicID += 1
        return await addAndStart(spec)
    }

    /// Adds a child after the others and starts it; a failed start leaves no trace.
    private func addAndStart(_ spec: ChildSpec) async -> Result<String, SupervisorError> {
        append(Record(spec: spec, path: childPath(spec.id)))
        do {
            try await launch(spec.id, restart: false)
            return .success(spec.id)
        } catch {
            remove(spec.id)
            return .failure(.startFailed("\(childPath(spec.id)): \(error)"))
        }
    }

    // MARK: Restarts

    /// OTP's restart decision for a child that died on its own (or was killed).
    private func childDied(_ id: String, reason: ExitReason, running: Running) async {
        guard let index = index(of: id) else { return }
        let restartType = records[index].spec.restart
        let restarts = switch restartType {
        case .permanent: true
        case .transient: !reason.isNormal
        case .temporary: false
        }
        guard restarts else {
            let spec = records[index].spec
            if restartType == .temporary || mode.isDynamic { remove(id) }
            if spec.significant, shouldAutoShutdown(afterExitOf: spec) {
                await terminate(.shutdown("auto_shutdown"), escalate: true)
            }
            return
        }
        if environment.clock.now - running.startedAt >= mode.backoff?.resetAfter ?? mode.intensity.within {
            records[index].consecutive = 0
        }
        records[index].consecutive += 1
        guard await countRestart() else { return }
        let group: [String]
        switch mode.strategyKind {
        case .oneForOne:
            // No siblings to stop: the restart path of every pool, kept short.
            records[index].slot = .restarting
            if let delay = backoffDelay(for: id) { schedule([id], after: delay) } else { await restart([id]) }
            return
        case .oneForAll:
            group = records.map(\.spec.id)
        case .restForOne:
            group = records[index...].map(\.spec.id)
        }
        for other in group.reversed() where other != id {
            guard let i = self.index(of: other), records[i].state == .running else { continue }
            await stopChild(other, reason: .shutdown("sibling_restart"))
            if let i = self.index(of: other) {
                if records[i].spec.restart == .temporary { remove(other) } else { records[i].slot = .restarting }
            }
        }
        let survivors = group.filter { self.index(of: $0) != nil }
        for survivor in survivors {
            if let i = self.index(of: survivor) { records[i].slot = .restarting }
        }
        if let delay = backoffDelay(for: id) {
            schedule(survivors, after: delay)
        } else {
            await restart(survivors)
        }
    }

    /// Starts `ids` (a restart group, in start order). A failed attempt counts toward
    /// intensity and is retried (after the backoff delay, when configured) as OTP does: the
    /// whole group again, stopping first those this attempt had started (see ``retry(_:)``).
    private func restart(_ ids: [String]) async {
        for id in ids {
            guard !killed else { return }
            guard index(of: id) != nil else { continue }
            do {
                try await launch(id, restart: true)
            } catch {
                guard !killed else { return }
                report(childPath(id), .restartFailed(error: "\(error)"))
                if let index = index(of: id) { records[index].consecutive += 1 }
                guard await countRestart() else { return }
                for other in ids where other != id {
                    if let index = index(of: other), records[index].state == .stopped { records[index].slot = .restarting }
                }
                if let delay = backoffDelay(for: id) { schedule(ids, after: delay) } else { post(.retry(ids: ids, timer: -1)) }
                return
            }
        }
    }

    /// Another attempt at a restart group that failed to start: OTP's `try_again`. The
    /// members this attempt had started are stopped (newest first), then the whole group is
    /// started again in order. Members stopped meanwhile by an operator stay stopped.
    private func retry(_ ids: [String]) async {
        let group = ids.filter { id in index(of: id).map { records[$0].state != .stopped } ?? false }
        for id in group.reversed() {
            guard let index = index(of: id), records[index].state == .running else { continue }
            await stopChild(id, reason: .shutdown("sibling_restart"))
            if let index = self.index(of: id) { records[index].slot = .restarting }
        }
        await restart(group.filter { id in index(of: id).map { records[$0].state == .restarting } ?? false })
    }

    /// Adds one restart to the window; on overflow gives up and returns `false`.
    private func countRestart() async -> Bool {
        if window.record(at: environment.clock.now) { return true }
        let intensity = mode.intensity
        report(path, .intensityExceeded(restarts: intensity.maxRestarts + 1, within: intensity.within))
        await terminate(.shutdown("reached_max_restart_intensity"), escalate: true)
        return false
    }

    private func backoffDelay(for id: String) -> Duration? {
        guard let backoff = mode.backoff, let index = index(of: id) else { return nil }
        return backoff.delay(attempt: records[index].consecutive, unit: environment.random())
    }

    private func schedule(_ ids: [String], after delay: Duration) {
        let timer = nextTimer
        nextTimer += 1
        let clock = environment.clock
        timers[timer] = Task.detached { [weak self] in
            guard (try? await clock.sleep(for: delay)) != nil else { return }
            await self?.post(.retry(ids: ids, timer: timer))
        }
    }

    private func shouldAutoShutdown(afterExitOf spec: ChildSpec) -> Bool {
        switch mode.autoShutdown {
        case .never: false
        case .anySignificant: true
        case .allSignificant:
            !records.contains { $0.spec.significant && $0.state != .stopped }
        }
    }

    // MARK: Starting and stopping one child

    /// Starts child `id` as its next generation, registers it and runs it in a task of its own.
    private func launch(_ id: String, restart: Bool) async throws {
        guard !killed else { throw SupervisorError.shuttingDown() }
        guard let index = index(of: id) else { throw SupervisorError.noSuchChild(id) }
        let spec = records[index].spec
        let path = records[index].path
        let generation = environment.registry.nextGeneration(for: path)
        let now = environment.clock.now
        let liveness = Liveness(now: now)
        let context = ChildContext(path: path, generation: generation, clock: environment.clock,
                                   registry: environment.registry, liveness: liveness, tables: tables)
        let process = try await make(spec, context)
        guard !killed else {
            // Killed while a nested supervisor started: it goes down with this one.
            if let child = process as? Supervisor { await child.die(.killed, escalate: false) }
            throw SupervisorError.shuttingDown()
        }
        guard let index = self.index(of: id) else { return }
        // Detached: the child runs on its own executor, not this actor's; its end is a
        // message for this supervisor (often handled on the spot, see `childEnded`), and
        // the handle is kept so shutdown can await it.
        let task = Task.detached {
            let reason: ExitReason
            do {
                try await process.run()
                reason = .normal
            } catch let exit as ShutdownExit {
                reason = .shutdown(exit.detail)
            } catch is KilledExit {
                reason = .killed
            } catch {
                reason = .crashed(error)
            }
            await self.childEnded(id, generation: generation, reason: reason)
        }
        records[index].generation = generation
        records[index].slot = .running(Running(process: process, task: task, liveness: liveness, startedAt: now))
        environment.registry.register(context.path, process, generation: generation)
        if restart {
            records[index].restarts += 1
            report(context.path, .childRestarted(attempt: max(records[index].consecutive, 1), generation: generation))
        } else {
            report(context.path, .childStarted(generation: generation))
        }
    }

    private func make(_ spec: ChildSpec, _ context: ChildContext) async throws -> any ChildProcess {
        switch spec.start {
        case .worker(let make):
            return try make(context)
        case .supervisor(let options, let children):
            let child = Supervisor(path: context.path, mode: .fixed(options), children: children, environment: environment,
                                   generation: context.generation)
            try await child.start()
            return child
        case .dynamic(let options, let template):
            let child = Supervisor(path: context.path, mode: .dynamic(options, template: template), children: [],
                                   environment: environment, generation: context.generation)
            try await child.start()
            return child
        }
    }

    /// Stops a running child (see ``stop(_:_:on:)``). One that had to be abandoned is
    /// reported stopped with reason `killed`, as OTP reports a child killed at its timeout.
    private func stopChild(_ id: String, reason: ExitReason) async {
        guard let index = index(of: id), case .running(let running) = records[index].slot else { return }
        let ended = await Self.stop(running, records[index].spec.shutdown, on: environment.clock)
        // A kill meanwhile already took this child (see `die`).
        guard !killed, let index = self.index(of: id) else { return }
        records[index].slot = .stopped
        let reason = ended ? reason : .killed
        finish(id, running, reason: reason, event: .childStopped(reason: reason))
    }

    /// OTP's shutdown of one child, Swift's way; `false` when the instance was abandoned.
    ///
    /// The stop request first: `stop()` for a child with a graceful path, cancellation for
    /// any other. With `.timeout(limit)`, a graceful child still running after `limit` is
    /// cancelled — the nearest Swift has to a kill — and any child still running `limit`
    /// after its cancellation is abandoned: declared dead while its task winds down (or
    /// hangs) on its own, so the shutdown goes on and ends. The limits run on the tree's
    /// clock and hold even when the calling task is cancelled (see `Task.ended(within:on:)`).
    /// `.infinity` waits however long the child takes, as OTP does.
    static func stop(_ running: Running, _ shutdown: ShutdownPolicy, on clock: any SupervisionClock) async -> Bool {
        if running.process.stopsGracefully { await running.process.stop() } else { running.task.cancel() }
        guard case .timeout(let limit) = shutdown else {
            await running.task.value
            return true
        }
        if await running.task.ended(within: limit, on: clock) { return true }
        guard running.process.stopsGracefully else { return false }
        running.task.cancel()
        return await running.task.ended(within: limit, on: clock)
    }

    /// A child died on its own (or was killed): report it, apply the restart rules, and only
    /// then let the dead instance hand back its work, so a retried request finds the
    /// replacement already accepting.
    private func exited(_ id: String, _ running: Running, reason: ExitReason) async {
        guard let index = index(of: id) else { return }
        let onExit = records[index].spec.onExit  // kept: a temporary child's record goes away
        records[index].slot = .stopped
        environment.registry.unregister(records[index].path, generation: records[index].generation)
        report(records[index].path, .childExited(reason: reason))
        await childDied(id, reason: reason, running: running)
        running.process.terminated(reason)
        onExit?(reason)
    }

    /// Queues an event for the end of the current step.
    private func report(_ path: String, _ kind: SupervisionEvent.Kind) {
        pendingEvents.append(SupervisionEvent(path: path, kind: kind))
    }

    /// Publishes the step's events.
    private func publishEvents() {
        for event in pendingEvents { environment.events.emit(event) }
        pendingEvents.removeAll(keepingCapacity: true)
    }

    /// Bookkeeping once an instance is dead: unregister, let it hand back work, report.
    private func finish(_ id: String, _ running: Running, reason: ExitReason, event: SupervisionEvent.Kind) {
        guard let index = index(of: id) else { return }
        let path = records[index].path
        environment.registry.unregister(path, generation: records[index].generation)
        running.process.terminated(reason)
        records[index].spec.onExit?(reason)
        report(path, event)
    }

    /// Stops every child (reverse start order; a dynamic supervisor's concurrently), ends
    /// the loop and reports the supervisor's own exit.
    private func terminate(_ reason: ExitReason, escalate: Bool = false) async {
        guard !phase.isTerminated else { return }
        phase = .terminated(reason, escalate: escalate)
        watchdogTask?.cancel()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        if mode.isDynamic {
            let abandonedIDs = await withTaskGroup(of: String?.self) { group in
                for record in records {
                    guard case .running(let running) = record.slot else { continue }
                    let id = record.spec.id
                    let limit = record.spec.shutdown
                    let clock = environment.clock
                    group.addTask { await Self.stop(running, limit, on: clock) ? nil : id }
                }
                var ids = Set<String>()
                for await id in group { if let id { ids.insert(id) } }
                return ids
            }
            for record in records {
                guard case .running(let running) = record.slot else { continue }
                let reason = abandonedIDs.contains(record.spec.id) ? ExitReason.killed : .shutdown("shutdown")
                finish(record.spec.id, running, reason: reason, event: .childStopped(reason: reason))
            }
        } else {
            for record in records.reversed() { await stopChild(record.spec.id, reason: .shutdown("shutdown")) }
        }
        for index in records.indices where records[index].state != .stopped { records[index].slot = .stopped }
        // Killed instances get a last moment to wind down; one that hangs stays abandoned.
        for task in abandoned { _ = await task.ended(within: .seconds(5), on: environment.clock) }
        abandoned.removeAll()
        closeInbox()
        guard !over else { return }  // killed meanwhile: `die` reported the end
        over = true
        tables.drop()
        report(path, .supervisorTerminated(reason: reason, generation: generation))
    }

    /// OTP's `exit(Supervisor, kill)`: an end this supervisor cannot trap or delay.
    ///
    /// Unlike ``terminate(_:escalate:)`` it restarts nothing and asks nothing nicely: every
    /// running child (a nested supervisor with its own subtree first) is cancelled, all at
    /// once, and given its shutdown timeout to end — OTP's children die with their
    /// supervisor through their links — then declared stopped with reason `killed` (a pool
    /// worker hands back its requests). Only then does this return, so the caller (the
    /// parent restarting this slot) never starts a replacement beside its predecessor's
    /// children. May run while a step is suspended: that step then starts nothing more.
    /// `escalate`: ``run()`` throws ``KilledExit`` (the root's kill); a killed child's exit
    /// is its parent's business, which already declared it dead.
    func die(_ reason: ExitReason, escalate: Bool) async {
        guard !killed, !over else { return }
        killed = true
        if !phase.isTerminated { phase = .terminated(reason, escalate: escalate) }
        watchdogTask?.cancel()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        // Newest first, each declared stopped at once: no interrupted step touches it again.
        var dying: [(id: String, running: Running, shutdown: ShutdownPolicy)] = []
        for index in records.indices.reversed() {
            guard case .running(let running) = records[index].slot else { continue }
            records[index].slot = .stopped
            environment.registry.unregister(records[index].path, generation: records[index].generation)
            dying.append((records[index].spec.id, running, records[index].spec.shutdown))
        }
        for child in dying {
            if let supervisor = child.running.process as? Supervisor { await supervisor.die(.killed, escalate: false) }
            child.running.task.cancel()
        }
        // A killed supervisor's own task ends when its loop next looks; its children are gone.
        let clock = environment.clock
        await withTaskGroup(of: Void.self) { group in
            for child in dying where !(child.running.process is Supervisor) {
                group.addTask {
                    if case .timeout(let limit) = child.shutdown {
                        _ = await child.running.task.ended(within: limit, on: clock)
                    } else {
                        await child.running.task.value
                    }
                }
            }
        }
        for child in dying { finish(child.id, child.running, reason: .killed, event: .childStopped(reason: .killed)) }
        closeInbox()
        over = true
        tables.drop()
        report(path, .supervisorTerminated(reason: reason, generation: generation))
        publishEvents()
        doorbell.ring()
    }

    private func startWatchdog() {
        let intervals = (records.map(\.spec) + [mode.template].compactMap { $0 }).compactMap { $0.watchdog?.checkInterval }
        guard let interval = intervals.min() else { return }
        let clock = environment.clock
        watchdogTask = Task.detached { [weak self] in
            while (try? await clock.sleep(for: interval)) != nil {
                guard let self else { return }
                await self.post(.watchdogTick)
            }
        }
    }

    // MARK: Helpers

    private func validate(_ specs: [ChildSpec]) throws {
        var seen = Set<String>()
        for spec in specs {
            guard !spec.id.isEmpty, !spec.id.contains("/") else {
                throw SupervisorError.invalidSpec("child id '\(spec.id)' must be non-empty and hold no '/'")
            }
            guard seen.insert(spec.id).inserted else { throw SupervisorError.invalidSpec("duplicate child id \(spec.id)") }
            if spec.significant && spec.restart == .permanent {
                throw SupervisorError.invalidSpec("\(spec.id): a significant child cannot be permanent")
            }
            // OTP refuses this combination too ({bad_combination, [{auto_shutdown, never}, {significant, true}]}).
            if spec.significant && mode.autoShutdown == .never {
                throw SupervisorError.invalidSpec("\(spec.id): significant children need auto_shutdown other than never")
            }
        }
    }

    private func index(of id: String) -> Int? { positions[id] }

    private func append(_ record: Record) {
        positions[record.spec.id] = records.count
        records.append(record)
    }

    private func remove(_ id: String) {
        guard let index = index(of: id) else { return }
        records.remove(at: index)
        positions = Self.positions(of: records)
    }

    /// Duplicate ids keep the first: `validate` refuses them before anything starts.
    private static func positions(of records: [Record]) -> [String: Int] {
        Dictionary(records.indices.map { (records[$0].spec.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func childPath(_ id: String) -> String { path + "/" + id }
}

extension Supervisor.Record {
    var state: ChildState {
        switch slot {
        case .running: .running
        case .restarting: .restarting
        case .stopped: .stopped
        }
    }
}

extension Supervisor.Phase {
    var isTerminated: Bool {
        if case .terminated = self { return true }
        return false
    }
}

extension Supervisor.Mode {
    var intensity: RestartIntensity {
        switch self {
        case .fixed(let options): options.intensity
        case .dynamic(let options, _): options.intensity
        }
    }

    var backoff: RestartBackoff? {
        switch self {
        case .fixed(let options): options.backoff
        case .dynamic(let options, _): options.backoff
        }
    }

    var autoShutdown: AutoShutdown {
        if case .fixed(let options) = self { return options.autoShutdown }
        return .never
    }

    var strategyKind: RestartStrategy.Kind {
        if case .fixed(let options) = self { return options.strategy.kind }
        return .oneForOne
    }

    var strategyName: String {
        if case .fixed(let options) = self { return options.strategy.description }
        return "dynamic"
    }

    var isDynamic: Bool {
        if case .dynamic = self { return true }
        return false
    }

    var template: ChildSpec? {
        if case .dynamic(_, let template) = self { return template }
        return nil
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
