/// Starts one instance of a child (OTP's start function): builds it, or throws (a failed start).
///
/// Synchronous on purpose: it runs on the supervisor's executor, so a restart costs no
/// executor hop. Slow initialisation (connecting to a database, say) belongs at the top of
/// the child's `run()`, where a failure is a crash its supervisor handles the same way.
public typealias ChildStarter = @Sendable (ChildContext) throws -> any ChildProcess

/// How a supervisor starts, restarts and stops one child (OTP's child specification).
public struct ChildSpec: Sendable {
    /// How the child comes to life.
    public indirect enum Start: Sendable {
        /// Builds a worker. Throwing is a start failure (at init: the supervisor's start
        /// fails; on a restart: a failed attempt, which counts toward intensity).
        case worker(ChildStarter)
        /// A nested supervisor with its own children.
        case supervisor(SupervisorOptions, [ChildSpec])
        /// A dynamic supervisor: many children of one template, started on demand.
        case dynamic(DynamicSupervisorOptions, template: ChildSpec)
    }

    /// Unique among siblings; the last segment of the child's path.
    public var id: String
    public var start: Start
    public var restart: RestartType
    public var shutdown: ShutdownPolicy
    /// Counts for ``AutoShutdown``; never true for a permanent child.
    public var significant: Bool
    /// Kills the child as hung when it misses a heartbeat or a request deadline.
    public var watchdog: Watchdog?
    /// Called each time an instance of this child is declared dead, with the reason
    /// (after its own ``ChildProcess/terminated(_:)``). Worker pools use it to learn that
    /// their supervisor is gone.
    public var onExit: (@Sendable (ExitReason) -> Void)?

    public init(
        id: String, start: Start, restart: RestartType = .permanent,
        shutdown: ShutdownPolicy? = nil, significant: Bool = false, watchdog: Watchdog? = nil
    ) {
        self.id = id
        self.start = start
        self.restart = restart
        self.shutdown = shutdown ?? (start.isSupervisor ? .infinity : .workerDefault)
        self.significant = significant
        self.watchdog = watchdog
    }

    /// A worker child.
    public static func worker(
        id: String, restart: RestartType = .permanent, shutdown: ShutdownPolicy = .workerDefault,
        significant: Bool = false, watchdog: Watchdog? = nil,
        _ make: @escaping ChildStarter
    ) -> ChildSpec {
        ChildSpec(id: id, start: .worker(make), restart: restart, shutdown: shutdown,
                  significant: significant, watchdog: watchdog)
    }

    /// A nested supervisor child (shutdown `infinity`: it needs the time to stop its subtree).
    public static func supervisor(
        id: String, _ options: SupervisorOptions = SupervisorOptions(), restart: RestartType = .permanent,
        significant: Bool = false, children: [ChildSpec]
    ) -> ChildSpec {
        ChildSpec(id: id, start: .supervisor(options, children), restart: restart, shutdown: .infinity,
                  significant: significant)
    }
}

extension ChildSpec.Start {
    var isSupervisor: Bool {
        if case .worker = self { return false }
        return true
    }
}

/// A supervisor's flags (OTP's `sup_flags`).
public struct SupervisorOptions: Sendable, Hashable {
    public var strategy: RestartStrategy
    public var intensity: RestartIntensity
    public var autoShutdown: AutoShutdown
    /// Delay restarts exponentially; `nil` (the default, as in OTP) restarts at once.
    public var backoff: RestartBackoff?

    public init(
        strategy: RestartStrategy = .oneForOne, intensity: RestartIntensity = .otpDefault,
        autoShutdown: AutoShutdown = .never, backoff: RestartBackoff? = nil
    ) {
        self.strategy = strategy
        self.intensity = intensity
        self.autoShutdown = autoShutdown
        self.backoff = backoff
    }
}

/// A dynamic supervisor's flags: one_for_one over instances of one template.
public struct DynamicSupervisorOptions: Sendable, Hashable {
    public var intensity: RestartIntensity
    /// `startChild()` beyond this many children fails with ``SupervisorError``.
    public var maxChildren: Int
    /// Children started with the supervisor.
    public var initialChildren: Int
    public var backoff: RestartBackoff?

    public init(
        intensity: RestartIntensity = .otpDefault, maxChildren: Int = .max, initialChildren: Int = 0,
        backoff: RestartBackoff? = nil
    ) {
        self.intensity = intensity
        self.maxChildren = maxChildren
        self.initialChildren = initialChildren
        self.backoff = backoff
    }
}
