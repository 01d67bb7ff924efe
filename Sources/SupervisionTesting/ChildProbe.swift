import Supervision
import Synchronization

/// Builds scripted children and records what happens to them, for supervision tests.
///
/// Each spec made by ``spec(_:restart:shutdown:significant:watchdog:ignoresStop:ignoresCancellation:)``
/// starts a ``ScriptedChild`` that runs until the test tells it to crash or exit. The probe
/// keeps a log (`start a`, `stop a`, `cancel a`) of the order things happened in, lets a test
/// await a line of it (``logged(_:)``), and can make the next starts of a child fail.
public final class ChildProbe: Sendable {
    private struct State {
        var instances: [String: [ScriptedChild]] = [:]
        var failingStarts: [String: Int] = [:]
        var log: [String] = []
        var logWaiters: [(line: String, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// What happened, in order: `start ID`, `stop ID` (graceful), `cancel ID`, `exit ID`, and
    /// `ignore stop ID` from a child that ignores cancellation too.
    public var log: [String] { state.withLock { $0.log } }

    /// Returns once `line` is in the log (at once if it already is): how a test learns that
    /// a child's task got somewhere without sleeping.
    public func logged(_ line: String) async {
        await withCheckedContinuation { continuation in
            let found = state.withLock { state in
                if state.log.contains(line) { return true }
                state.logWaiters.append((line, continuation))
                return false
            }
            if found { continuation.resume() }
        }
    }

    /// The latest instance of `id`.
    public func latest(_ id: String) -> ScriptedChild? { state.withLock { $0.instances[id]?.last } }

    /// Every instance of `id` started so far, oldest first.
    public func instances(_ id: String) -> [ScriptedChild] { state.withLock { $0.instances[id] ?? [] } }

    /// How many instances of `id` were started.
    public func starts(_ id: String) -> Int { state.withLock { $0.instances[id]?.count ?? 0 } }

    /// The next `count` starts of `id` throw.
    public func failStarts(of id: String, count: Int = 1) { state.withLock { $0.failingStarts[id] = count } }

    /// A worker spec whose children this probe scripts. With `ignoresStop`, the child
    /// ignores the graceful stop request and ends only when cancelled; with
    /// `ignoresCancellation` as well, it ignores both (a hung child) and ends only when told
    /// to crash or exit.
    public func spec(
        _ id: String, restart: RestartType = .permanent, shutdown: ShutdownPolicy = .timeout(.seconds(1)),
        significant: Bool = false, watchdog: Watchdog? = nil, ignoresStop: Bool = false,
        ignoresCancellation: Bool = false
    ) -> ChildSpec {
        .worker(id: id, restart: restart, shutdown: shutdown, significant: significant, watchdog: watchdog) { context in
            try self.start(id, context: context, ignoresStop: ignoresStop, ignoresCancellation: ignoresCancellation)
        }
    }

    func start(_ id: String, context: ChildContext, ignoresStop: Bool, ignoresCancellation: Bool) throws -> ScriptedChild {
        try state.withLock { state in
            if let failing = state.failingStarts[id], failing > 0 {
                state.failingStarts[id] = failing - 1
                state.log.append("failstart \(id)")
                throw ScriptedFailure.startFailed(id)
            }
            let child = ScriptedChild(id: id, context: context, ignoresStop: ignoresStop,
                                      ignoresCancellation: ignoresCancellation, probe: self)
            state.instances[id, default: []].append(child)
            state.log.append("start \(id)")
            return child
        }
    }

    func record(_ line: String) {
        let waiting = state.withLock { state in
            state.log.append(line)
            let waiting = state.logWaiters.filter { $0.line == line }.map(\.continuation)
            state.logWaiters.removeAll { $0.line == line }
            return waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// Errors scripted children throw.
public enum ScriptedFailure: Error, Sendable, Hashable {
    case crashed(String)
    case startFailed(String)
}

/// A child that does nothing until told to crash, exit or shut down, and records how it ended.
public final class ScriptedChild: ChildProcess {
    enum Signal: Sendable {
        case crash, exit, shutdown, stop, cancelled
    }

    public let id: String
    public let context: ChildContext
    private let ignoresStop: Bool
    private let ignoresCancellation: Bool
    private let probe: ChildProbe
    private let signal = Mutex<(pending: Signal?, waiter: CheckedContinuation<Signal, Never>?)>((nil, nil))

    init(id: String, context: ChildContext, ignoresStop: Bool, ignoresCancellation: Bool, probe: ChildProbe) {
        self.id = id
        self.context = context
        self.ignoresStop = ignoresStop
        self.ignoresCancellation = ignoresCancellation
        self.probe = probe
    }

    public var generation: UInt64 { context.generation }

    /// Throws out of `run()`: an abnormal exit.
    public func crash() { send(.crash) }
    /// Returns from `run()`: a normal exit.
    public func exitNormally() { send(.exit) }
    /// Throws ``ShutdownExit`` out of `run()`.
    public func shutDown() { send(.shutdown) }

    public func run() async throws {
        while true {
            // A child deaf to cancellation waits without a handler: once cancelled, a handler
            // would fire again on every wait.
            let received = ignoresCancellation
                ? await nextSignal()
                : await withTaskCancellationHandler { await nextSignal() } onCancel: { send(.cancelled) }
            switch received {
            case .crash:
                probe.record("crash \(id)")
                throw ScriptedFailure.crashed(id)
            case .exit:
                probe.record("exit \(id)")
                return
            case .shutdown:
                throw ShutdownExit("scripted")
            case .stop where ignoresStop:
                if ignoresCancellation { probe.record("ignore stop \(id)") }
                continue
            case .stop:
                probe.record("stop \(id)")
                return
            case .cancelled:
                probe.record("cancel \(id)")
                return
            }
        }
    }

    public var stopsGracefully: Bool { true }

    public func stop() async { send(.stop) }

    private func nextSignal() async -> Signal {
        await withCheckedContinuation { continuation in
            let pending = signal.withLock { state -> Signal? in
                if let pending = state.pending {
                    state.pending = nil
                    return pending
                }
                state.waiter = continuation
                return nil
            }
            if let pending { continuation.resume(returning: pending) }
        }
    }

    private func send(_ value: Signal) {
        let waiter = signal.withLock { state -> CheckedContinuation<Signal, Never>? in
            guard let waiter = state.waiter else {
                state.pending = value
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: value)
    }
}
