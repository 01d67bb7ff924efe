/// One child entry of a ``SupervisorSpec``: a worker, a nested supervisor, or a pool.
///
/// Named `…Node` because it is the declarative form; the runtime's `ChildSpec` also knows
/// how to start the child, which a file cannot say.
public struct ChildSpecNode: Sendable, Hashable {
    /// What the child is.
    public enum Kind: Sendable, Hashable {
        /// A worker of a registered type, with its options (scalars, kept as written).
        case worker(type: String, options: [String: String])
        /// A nested supervisor; its `id` is this child's id.
        case supervisor(SupervisorSpec)
        /// A dynamic supervisor running `size` identical workers of one registered type.
        ///
        /// The pool's own restart and shutdown are this child's; its workers get the
        /// worker defaults (permanent, ``ShutdownPolicy/workerDefault``).
        case pool(PoolSpec)
    }

    /// Unique among its siblings; a path segment (never empty, no `/`, no whitespace).
    public var id: String
    /// What the child is.
    public var kind: Kind
    /// When the child is restarted. Default `.permanent`.
    public var restart: RestartType
    /// How the child is stopped. Default ``ShutdownPolicy/workerDefault`` for a worker,
    /// `.infinity` for a supervisor or a pool (they need the time to stop their own children).
    public var shutdown: ShutdownPolicy
    /// Whether this child's exit counts for its supervisor's ``AutoShutdown``. Default `false`;
    /// never `true` on a `.permanent` child or under `autoShutdown: never`.
    public var significant: Bool
    /// Where the child's mapping was written.
    public var location: SpecLocation

    /// A child spec; `shutdown` defaults by kind, as OTP does.
    public init(
        id: String,
        kind: Kind,
        restart: RestartType = .permanent,
        shutdown: ShutdownPolicy? = nil,
        significant: Bool = false,
        location: SpecLocation
    ) {
        self.id = id
        self.kind = kind
        self.restart = restart
        self.shutdown = shutdown ?? Self.defaultShutdown(for: kind)
        self.significant = significant
        self.location = location
    }

    /// OTP's defaults: five seconds for a worker, `infinity` for anything that supervises.
    public static func defaultShutdown(for kind: Kind) -> ShutdownPolicy {
        switch kind {
        case .worker: .workerDefault
        case .supervisor, .pool: .infinity
        }
    }
}

/// A pool entry: `size` workers of one type under a dynamic supervisor of its own.
public struct PoolSpec: Sendable, Hashable {
    /// The registered worker type.
    public var worker: String
    public var size: Int
    /// The worker type's options (scalars, kept as written).
    public var options: [String: String]
    /// The pool supervisor's own restart intensity (`intensity`/`period` inside `pool:`);
    /// OTP's default (1 in 5 s) when not written.
    public var intensity: RestartIntensity
    /// A request running longer marks its worker hung (`request_deadline`); none by default.
    public var requestDeadline: Duration?

    public init(worker: String, size: Int, options: [String: String] = [:],
                intensity: RestartIntensity = .otpDefault, requestDeadline: Duration? = nil) {
        self.worker = worker
        self.size = size
        self.options = options
        self.intensity = intensity
        self.requestDeadline = requestDeadline
    }
}
