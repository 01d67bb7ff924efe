/// The state of one child slot, as `which_children` reports it.
public enum ChildState: String, Sendable, Hashable, Codable {
    case running
    /// Waiting for a restart: a failed attempt, a backoff delay, or a sibling being restarted.
    case restarting
    /// Not running and not to be restarted (its spec is kept until `deleteChild`).
    case stopped
}

/// Whether a child is a worker or a supervisor.
public enum ChildKind: String, Sendable, Hashable, Codable {
    case worker
    case supervisor
}

/// One row of ``Supervisor/whichChildren()``.
public struct ChildInfo: Sendable, Hashable {
    public let id: String
    public let path: String
    public let state: ChildState
    public let kind: ChildKind
    /// 0 before the first start; +1 per (re)start.
    public let generation: UInt64
    /// Restarts of this slot since the supervisor started.
    public let restarts: Int
}

/// ``Supervisor/countChildren()``, as OTP's `count_children`.
public struct ChildCounts: Sendable, Hashable {
    public let specs: Int
    public let active: Int
    public let supervisors: Int
    public let workers: Int
}

/// A point-in-time picture of a (sub)tree, for `castellan tree` and the admin API.
///
/// Encodes to JSON with snake_case keys: `path`, `id`, `kind`, `strategy`, `state`,
/// `generation`, `restarts`, `intensity` (`used`, `max_restarts`, `period_ms`), `children`.
public struct TreeSnapshot: Sendable, Hashable, Codable {
    /// How much of a supervisor's restart intensity the current window has used.
    public struct Intensity: Sendable, Hashable, Codable {
        public var used: Int
        public var maxRestarts: Int
        public var periodMilliseconds: Int64

        enum CodingKeys: String, CodingKey {
            case used, maxRestarts = "max_restarts", periodMilliseconds = "period_ms"
        }
    }

    public var path: String
    public var id: String
    public var kind: ChildKind
    /// `one_for_one`…, or `dynamic`; nil for workers.
    public var strategy: String?
    public var state: ChildState
    public var generation: UInt64
    public var restarts: Int
    public var intensity: Intensity?
    public var children: [TreeSnapshot]

    /// Every node, depth first, the root first.
    public var allNodes: [TreeSnapshot] { [self] + children.flatMap(\.allNodes) }

    /// The node at `path`, if any.
    public func node(at path: String) -> TreeSnapshot? { allNodes.first { $0.path == path } }
}
