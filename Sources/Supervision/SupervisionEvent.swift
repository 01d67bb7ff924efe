import Foundation

/// One thing that happened in a supervision tree, as OTP's supervisor reports say it.
public struct SupervisionEvent: Sendable, Hashable, Encodable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// A child started (its first start, `generation` 1 for a fresh slot).
        case childStarted(generation: UInt64)
        /// A child exited, on its own or killed; supervisor-initiated stops are `childStopped`.
        case childExited(reason: ExitReason)
        /// A child was stopped by its supervisor (shutdown, a sibling's restart, terminateChild).
        case childStopped(reason: ExitReason)
        /// A child was restarted; `attempt` counts consecutive restarts of that child.
        case childRestarted(attempt: Int, generation: UInt64)
        /// Starting or restarting a child failed; a restart failure counts toward intensity.
        case restartFailed(error: String)
        /// More restarts than the intensity allows: the supervisor gives up.
        case intensityExceeded(restarts: Int, within: Duration)
        /// A supervisor terminated (its children are already stopped); `generation` says
        /// which instance of its slot (1 for the root), so a late one never reads as its replacement's.
        case supervisorTerminated(reason: ExitReason, generation: UInt64)
        /// The whole tree finished shutting down.
        case shutdownComplete
    }

    /// Wall-clock time, for people and logs: once published, the time ``EventBus`` delivered
    /// it, so a stream's events are in time order.
    public let timestamp: Date
    /// The child's (or supervisor's) path in the tree, e.g. `/castellan/auth/scram/3`.
    public let path: String
    public let kind: Kind

    public init(timestamp: Date = Date(), path: String, kind: Kind) {
        self.timestamp = timestamp
        self.path = path
        self.kind = kind
    }

    /// A short stable name for metrics and JSON: `child_started`, `child_exited`, …
    public var name: String {
        switch kind {
        case .childStarted: "child_started"
        case .childExited: "child_exited"
        case .childStopped: "child_stopped"
        case .childRestarted: "child_restarted"
        case .restartFailed: "restart_failed"
        case .intensityExceeded: "intensity_exceeded"
        case .supervisorTerminated: "supervisor_terminated"
        case .shutdownComplete: "shutdown_complete"
        }
    }

    /// The event's details in one line, for logs and terminals.
    public var detail: String {
        switch kind {
        case .childStarted(let generation): "generation \(generation)"
        case .childExited(let reason), .childStopped(let reason): reason.description
        case .supervisorTerminated(let reason, let generation): "\(reason), generation \(generation)"
        case .childRestarted(let attempt, let generation): "attempt \(attempt), generation \(generation)"
        case .restartFailed(let error): error
        case .intensityExceeded(let restarts, let within): "\(restarts) restarts within \(within)"
        case .shutdownComplete: ""
        }
    }

    enum CodingKeys: String, CodingKey { case timestamp, path, event, detail }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timestamp.timeIntervalSince1970, forKey: .timestamp)
        try container.encode(path, forKey: .path)
        try container.encode(name, forKey: .event)
        try container.encode(detail, forKey: .detail)
    }
}
