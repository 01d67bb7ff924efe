/// Why a child stopped running: OTP's exit reasons, in Swift.
///
/// The reason decides restarts: a `.transient` child is restarted only after an abnormal
/// exit, and `normal` and `shutdown` are the two normal ones (as in OTP, where a supervisor
/// that gives up exits with `shutdown`, so a transient parent entry does not restart it).
public struct ExitReason: Sendable, Hashable, CustomStringConvertible {
    /// The error a child crashed with. Described only when someone asks: `String(describing:)`
    /// of an arbitrary error uses reflection, far too slow for the restart path.
    struct Crash: Sendable, Hashable {
        let error: any Error
        var description: String { String(describing: error) }
        static func == (lhs: Crash, rhs: Crash) -> Bool { lhs.description == rhs.description }
        func hash(into hasher: inout Hasher) { hasher.combine(description) }
    }

    enum Kind: Sendable, Hashable {
        case normal
        case shutdown(String)
        case crashed(Crash)
        case killed
        case hung(String)
    }
    let kind: Kind

    /// The child returned from `run()`.
    public static let normal = ExitReason(kind: .normal)
    /// The child stopped on purpose: a supervisor that gave up, an auto-shutdown, a stop request.
    public static func shutdown(_ detail: String) -> ExitReason { ExitReason(kind: .shutdown(detail)) }
    /// The child threw out of `run()` (or its start failed): let it fail.
    public static func crashed(_ error: any Error) -> ExitReason { ExitReason(kind: .crashed(Crash(error: error))) }
    /// Killed through the supervision API (chaos, operator).
    public static let killed = ExitReason(kind: .killed)
    /// Killed by a watchdog: a request over its deadline or a missed heartbeat.
    public static func hung(_ detail: String) -> ExitReason { ExitReason(kind: .hung(detail)) }

    /// `normal` or `shutdown`: the exits after which a transient child stays down.
    public var isNormal: Bool {
        switch kind {
        case .normal, .shutdown: true
        case .crashed, .killed, .hung: false
        }
    }

    public var description: String {
        switch kind {
        case .normal: "normal"
        case .shutdown(let detail): "shutdown(\(detail))"
        case .crashed(let crash): "crashed(\(crash.description))"
        case .killed: "killed"
        case .hung(let detail): "hung(\(detail))"
        }
    }
}

/// Thrown out of `run()` by a child that stops on purpose (exit reason `shutdown`).
///
/// A supervisor throws it when it reaches its restart intensity or shuts itself down
/// automatically, which is how both reach its parent as a `shutdown` exit.
public struct ShutdownExit: Error, Sendable, Hashable, CustomStringConvertible {
    /// OTP-style detail, e.g. `reached_max_restart_intensity`, `auto_shutdown`.
    public let detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { "shutdown(\(detail))" }
}

/// Thrown out of a supervisor's `run()` when it was killed (``Supervisor/kill(path:)`` with its
/// own path): OTP's `exit(Supervisor, kill)`. For the root, ``SupervisionTree/run()`` throws
/// it and `castellan serve` exits 1, as when the root gives up.
public struct KilledExit: Error, Sendable, Hashable, CustomStringConvertible {
    public init() {}
    public var description: String { "killed" }
}
